import type { Command } from 'commander';
import { action } from '../action.js';
import { addForce, forceOf } from '../force.js';
import { addOverride, overrideOf } from '../override.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerComplete(program: Command): void {
  addOverride(addForce(addVerb(program, 'complete [migration]', 'contract: drop the old shape (irreversible); refuses without a clean, current verify; safe to run again with the name after a crash'), 'complete'))
    .action(
      action(async ({ args, options, command }) => {
        const force = forceOf(command);
        const override = overrideOf(command);
        const result = await withMidair('complete', options, (midair) => midair.complete(args[0], { force, override }));
        const dropped = result.droppedVersionSchema ? `; dropped the previous version schema "${result.droppedVersionSchema}"` : '';
        const text = `completed "${result.migration}"${dropped}\nclients keep search_path "${result.searchPath}"`;
        return { data: { ...result }, text };
      }),
    );
}
