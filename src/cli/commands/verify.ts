import type { Command } from 'commander';
import { action } from '../action.js';
import { formatVerify } from '../format/verify.js';
import { numberFlag } from '../numberFlag.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerVerify(program: Command): void {
  addVerb(program, 'verify [migration]', 'check a migration (default: the only active one) row by row: that the new shape equals up(old) and the old equals down(new); exit code 1 on any mismatch')
    .option('--workers <n>', 'connections that scan parts of each table at once (default: 1 + the server\'s max_parallel_workers_per_gather; the embedded database uses 1)')
    .action(
      action(async ({ args, options, command }) => {
        const flags = command.opts<{ workers?: string }>();
        const workers = flags.workers === undefined ? undefined : numberFlag('verify', '--workers', flags.workers, 1, 64, true);
        const result = await withMidair('verify', options, (midair) => midair.verify(args[0], workers === undefined ? {} : { workers }));
        return { data: { ...result }, text: formatVerify(result), exitCode: result.mismatches > 0 ? 1 : 0 };
      }),
    );
}
