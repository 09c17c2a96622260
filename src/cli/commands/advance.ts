import type { Command } from 'commander';
import { action } from '../action.js';
import { addForce, forceOf } from '../force.js';
import { addOverride, overrideOf } from '../override.js';
import { formatAdvance } from '../format/traffic.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerAdvance(program: Command): void {
  addOverride(addForce(
    addVerb(program, 'advance <migration> <stage>', 'move a migration forward (shadow, live, rampdown, complete) through the gates of the move; to the stage it is in: resume after the kill switch')
      .option('--percent <n>', 'the ramp of a move to live: the share of records (0-100) on the new shape (default 0)'),
    'move',
  )).action(
    action(async ({ args, options, command }) => {
      const force = forceOf(command);
      const override = overrideOf(command);
      const { percent } = command.opts<{ percent?: string }>();
      const { result, next } = await withMidair('advance', options, async (midair) => {
        const result = await midair.advance(args[0]!, args[1]!, { percent, force, override });
        return { result, next: await midair.nextStep(result.migration) };
      });
      return { data: { ...result }, text: formatAdvance(result, next) };
    }),
  );
}
