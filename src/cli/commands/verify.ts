import type { Command } from 'commander';
import { action } from '../action.js';
import { formatVerify } from '../format/verify.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerVerify(program: Command): void {
  addVerb(program, 'verify [migration]', 'check a migration (default: the only active one) row by row: that the new shape equals up(old) and the old equals down(new); exit code 1 on any mismatch')
    .action(
      action(async ({ args, options }) => {
        const result = await withMidair('verify', options, (midair) => midair.verify(args[0]));
        return { data: { ...result }, text: formatVerify(result), exitCode: result.mismatches > 0 ? 1 : 0 };
      }),
    );
}
