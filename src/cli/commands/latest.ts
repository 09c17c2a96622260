import type { Command } from 'commander';
import { action } from '../action.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerLatest(program: Command): void {
  addVerb(program, 'latest', 'the search_path new-release clients use: the version schema, then the base schema')
    .option('--search-path', 'print only the search_path, e.g. for PGOPTIONS="-c search_path=$(midair latest --search-path)"')
    .action(
      action(async ({ options, command }) => {
        const { versionSchema, searchPath } = await withMidair('latest', options, async (midair) => {
          const versionSchema = await midair.latestSearchPath();
          // The base schema after the views: functions, types and extensions there stay visible.
          // No space after the comma, so the value survives PGOPTIONS, which splits on spaces.
          return { versionSchema, searchPath: versionSchema === midair.config.schema ? versionSchema : `${versionSchema},${midair.config.schema}` };
        });
        const bare = Boolean(command.opts<{ searchPath?: boolean }>().searchPath);
        return { data: { searchPath, versionSchema }, text: bare ? searchPath : `latest search_path: ${searchPath}` };
      }),
    );
}
