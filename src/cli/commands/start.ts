import type { Command } from 'commander';
import { action } from '../action.js';
import { addForce, forceOf } from '../force.js';
import { addOverride, overrideOf } from '../override.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerStart(program: Command): void {
  addOverride(addForce(addVerb(program, 'start <migration>', 'expand: add the new shape beside the old one and keep both in sync (resumes a start that was interrupted)'), 'start'))
    .action(
      action(async ({ args, options, command }) => {
        const force = forceOf(command);
        const override = overrideOf(command);
        const { result, next } = await withMidair('start', options, async (midair) => {
          const result = await midair.start(args[0]!, { override, force });
          return { result, next: await midair.nextStep(result.migration) };
        });
        const text = [
          `${result.resumed ? 'already started' : 'started'} "${result.migration}": stage ${result.stage}`,
          `new-release clients use search_path "${result.searchPath}" (\`midair latest --search-path\`); old-release clients need no change`,
          `next: ${next}`,
        ].join('\n');
        return { data: { ...result }, text };
      }),
    );
}
