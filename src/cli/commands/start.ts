import type { Command } from 'commander';
import { action } from '../action.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerStart(program: Command): void {
  addVerb(program, 'start <migration>', 'expand: add the new shape beside the old one and keep both in sync (resumes a start that was interrupted)')
    .action(
      action(async ({ args, options }) => {
        const result = await withMidair('start', options, (midair) => midair.start(args[0]!));
        const text = [
          `${result.resumed ? 'already started' : 'started'} "${result.migration}": stage ${result.stage}`,
          `new-release clients use search_path "${result.searchPath}" (\`midair latest --search-path\`); old-release clients need no change`,
          'next: `midair backfill`, then `midair verify`',
        ].join('\n');
        return { data: { ...result }, text };
      }),
    );
}
