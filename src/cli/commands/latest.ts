import type { Command } from 'commander';
import { action } from '../action.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerLatest(program: Command): void {
  addVerb(program, 'latest', 'the search_path new-release clients use: the active migrations\' version schemas, then the base schema')
    .option('--search-path', 'print only the search_path, e.g. for PGOPTIONS="-c search_path=$(midair latest --search-path)"')
    .action(
      action(async ({ options, command }) => {
        const searchPath = await withMidair('latest', options, (midair) => midair.latestSearchPath());
        const bare = Boolean(command.opts<{ searchPath?: boolean }>().searchPath);
        return { data: { searchPath }, text: bare ? searchPath : `latest search_path: ${searchPath}` };
      }),
    );
}
