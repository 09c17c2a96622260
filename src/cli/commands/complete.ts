import type { Command } from 'commander';
import { action } from '../action.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerComplete(program: Command): void {
  addVerb(program, 'complete [migration]', 'contract: drop the old shape (irreversible); safe to run again with the name after a crash')
    .action(
      action(async ({ args, options }) => {
        const result = await withMidair('complete', options, (midair) => midair.complete(args[0]));
        const dropped = result.droppedVersionSchema ? `; dropped the previous version schema "${result.droppedVersionSchema}"` : '';
        const text = `completed "${result.migration}"${dropped}\nclients keep search_path "${result.versionSchema}"`;
        return { data: { ...result }, text };
      }),
    );
}
