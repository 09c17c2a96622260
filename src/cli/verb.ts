import type { Command } from 'commander';

/** Adds a verb with what every verb shares: --json. Register new verbs through this. */
export function addVerb(program: Command, spec: string, description: string): Command {
  return program
    .command(spec)
    .description(description)
    .option('--json', 'print one JSON object on stdout when done (machine-readable)');
}
