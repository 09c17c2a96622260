import type { Command } from 'commander';
import { action } from '../action.js';
import { addForce, forceOf } from '../force.js';
import { addOverride, overrideOf } from '../override.js';
import { formatRamp } from '../format/traffic.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerRamp(program: Command): void {
  addOverride(addForce(addVerb(program, 'ramp <migration> <percent>', 'set the share of records (0-100) a live migration serves from the new shape; a step up needs a clean last window and a soak at the current step, a step down always goes'), 'ramp up'))
    .action(
      action(async ({ args, options, command }) => {
        const force = forceOf(command);
        const override = overrideOf(command);
        const result = await withMidair('ramp', options, (midair) => midair.ramp(args[0]!, args[1]!, { force, override }));
        return { data: { ...result }, text: formatRamp(result) };
      }),
    );
}
