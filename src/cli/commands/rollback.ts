import type { Command } from 'commander';
import { action } from '../action.js';
import { addForce, forceOf } from '../force.js';
import { formatCount } from '../format/duration.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerRollback(program: Command): void {
  addForce(addVerb(program, 'rollback [migration]', 'undo the active migration: remove the new shape; every write is kept in the old one'), 'roll back')
    .action(
      action(async ({ args, options, command }) => {
        const force = forceOf(command);
        const result = await withMidair('rollback', options, (midair) => midair.rollback(args[0], { force }));
        const dropped = Object.entries(result.droppedRows).map(([table, n]) => `  dropped table "${table}" with ${formatCount(n)} rows (created by this migration)`);
        const left = (result.leftInPlace ?? []).map((step) => `  left in place: ${step} (op.sql without "down"; recorded in the audit log)`);
        const text = [`rolled back "${result.migration}"; the old shape is untouched`, ...dropped, ...left, 'new-release clients must go back to the old release'].join('\n');
        return { data: { ...result }, text };
      }),
    );
}
