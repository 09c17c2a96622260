import type { Command } from 'commander';
import { action } from '../action.js';
import { formatPlan } from '../format/plan.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerPlan(program: Command): void {
  addVerb(program, 'plan <migration>', "print each phase's SQL with the lock it takes, and the warnings; runs nothing")
    .action(
      action(async ({ args, options }) => {
        const plan = await withMidair('plan', options, (midair) => midair.plan(args[0]!));
        return { data: { ...plan }, text: formatPlan(plan) };
      }),
    );
}
