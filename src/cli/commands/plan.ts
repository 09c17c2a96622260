import type { Command } from 'commander';
import { action } from '../action.js';
import { formatPlan } from '../format/plan.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerPlan(program: Command): void {
  addVerb(program, 'plan <migration>', "print each phase's SQL with the lock it takes and how long it holds it, the warnings, and what the backfill will cost (rows, time, WAL, table growth); runs nothing of the migration")
    .option('--no-sample', "estimate from table statistics only, without sampling this server's speed on a copy of a few rows")
    .action(
      action(async ({ args, options, command }) => {
        const { sample } = command.opts<{ sample: boolean }>();
        const { plan, estimate } = await withMidair('plan', options, (midair) => midair.estimate(args[0]!, { sample }));
        return { data: { ...plan, estimate }, text: formatPlan(plan, estimate) };
      }),
    );
}
