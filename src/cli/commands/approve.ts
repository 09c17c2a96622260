import type { Command } from 'commander';
import { action } from '../action.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerApprove(program: Command): void {
  addVerb(program, 'approve <migration> <step>', 'approve one step (start, shadow, live, ramp, rampdown, complete) of a migration at its current definition and stage; it expires when either changes')
    .option('--comment <text>', 'why, recorded with the approval and in the audit log')
    .action(
      action(async ({ args, options, command }) => {
        const { comment } = command.opts<{ comment?: string }>();
        const result = await withMidair('approve', options, (midair) => midair.approve(args[0]!, args[1]!, { comment }));
        const text = `"${result.person}" approved ${result.step} of "${result.migration}" (approval ${result.approvalId}); it holds while the migration is ${result.stage} at definition ${result.checksum}`;
        return { data: { ...result }, text };
      }),
    );
}
