import type { Command } from 'commander';
import { MidairError } from '../../errors.js';
import { action } from '../action.js';
import { formatCount, formatSeconds } from '../format/duration.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

function workerCount(value: string | undefined): number {
  const n = Number(value ?? 1);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new MidairError(`--workers ${value}: not a whole number from 1 to 64`, 'e.g. --workers 4; more processes (on more machines) may also run `midair backfill` at once');
  return n;
}

export function registerBackfill(program: Command): void {
  addVerb(program, 'backfill', 'bring existing rows to the new shape in batches; resumes from its checkpoint after a crash')
    .option('--workers <n>', 'parallel workers in this process (other processes may join)', '1')
    .action(
      action(async ({ options, command }) => {
        const workers = workerCount(command.opts<{ workers?: string }>().workers);
        const result = await withMidair('backfill', options, (midair) => midair.backfill({ workers }));
        const tables = result.tables.map((t) => `  ${t.table}: ${formatCount(t.rows)} rows in ${formatSeconds(t.seconds)}`);
        const text = [
          `backfilled "${result.migration}": ${formatCount(result.rows)} rows in ${formatSeconds(result.seconds)} (${formatCount(result.rowsPerSecond)} rows/s, ${result.workers} worker${result.workers > 1 ? 's' : ''})`,
          ...tables,
          'next: `midair verify`',
        ].join('\n');
        return { data: { ...result }, text };
      }),
    );
}
