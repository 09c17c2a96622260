import type { Command } from 'commander';
import { action } from '../action.js';
import { formatStatus } from '../format/status.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerStatus(program: Command): void {
  addVerb(program, 'status', 'show the active migration, its backfill and last verification, and the history')
    .action(
      action(async ({ options }) => {
        const { status, database } = await withMidair('status', options, async (midair) => ({ status: await midair.status(), database: midair.db.description }));
        return { data: { database, ...status }, text: formatStatus(status, database) };
      }),
    );
}
