import type { Command } from 'commander';
import { printError } from './errorOutput.js';
import { optionsOf, type GlobalOptions } from './options.js';

/** What a verb produced: `data` for --json, `text` for people, and how the process should exit. */
export interface Outcome {
  data: Record<string, unknown>;
  text: string;
  /** Default 0; `ok` in the JSON object is true exactly when this is 0. */
  exitCode?: number;
}

export interface ActionInput {
  /** The verb's positional arguments, in order. */
  args: (string | undefined)[];
  options: GlobalOptions;
  command: Command;
}

/**
 * Wraps a verb's body into a commander action: prints its outcome as one JSON object or as text
 * on stdout, turns any failure into `error:`/`hint:` lines, and sets the exit code.
 */
export function action(body: (input: ActionInput) => Promise<Outcome>): (...args: unknown[]) => Promise<void> {
  return async (...received) => {
    const command = received.at(-1) as Command;
    const options = optionsOf(command);
    try {
      const outcome = await body({ args: command.processedArgs as (string | undefined)[], options, command });
      const exitCode = outcome.exitCode ?? 0;
      if (options.json) process.stdout.write(JSON.stringify({ ok: exitCode === 0, ...outcome.data }) + '\n');
      else if (outcome.text) process.stdout.write(outcome.text.endsWith('\n') ? outcome.text : outcome.text + '\n');
      process.exitCode = exitCode;
    } catch (error) {
      process.exitCode = printError(error, options.json);
    }
  };
}
