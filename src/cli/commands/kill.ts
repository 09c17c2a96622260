import type { Command } from 'commander';
import { action } from '../action.js';
import { formatKill } from '../format/traffic.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerKill(program: Command): void {
  addVerb(program, 'kill <migration>', 'the kill switch: every record of every application instance back to the old shape at once, until `midair advance <migration> <stage>`')
    .requiredOption('--reason <text>', 'why (recorded with the kill switch and in the audit log)')
    .action(
      action(async ({ args, options, command }) => {
        const { reason } = command.opts<{ reason: string }>();
        const result = await withMidair('kill', options, (midair) => midair.kill(args[0]!, { reason }));
        return { data: { ...result }, text: formatKill(result) };
      }),
    );
}
