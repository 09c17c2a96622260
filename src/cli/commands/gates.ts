import type { Command } from 'commander';
import { action } from '../action.js';
import { formatGates } from '../format/traffic.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerGates(program: Command): void {
  addVerb(program, 'gates <migration>', "every gate of the migration's next moves, passing or not, with the numbers it judged (exit 0 either way)")
    .action(
      action(async ({ args, options }) => {
        const result = await withMidair('gates', options, (midair) => midair.gates(args[0]!));
        return { data: { ...result }, text: formatGates(result) };
      }),
    );
}
