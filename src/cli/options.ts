import type { Command } from 'commander';

/** The options every verb sees: the global ones and its own --json. */
export interface GlobalOptions {
  database?: string;
  config?: string;
  json: boolean;
}

export function optionsOf(command: Command): GlobalOptions {
  const o = command.optsWithGlobals<{ database?: string; config?: string; json?: boolean }>();
  return { database: o.database, config: o.config, json: Boolean(o.json) };
}
