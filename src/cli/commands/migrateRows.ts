import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MidairError } from '../../errors.js';
import type { MigrateRowsResult } from '../../lifecycle/migrateRows.js';
import { action } from '../action.js';
import { formatCount } from '../format/duration.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

interface MigrateRowsFlags {
  keys?: string;
  file?: string;
  where?: string;
  table?: string;
}

function keysFromList(list: string): string[] {
  const keys = list.split(',').map((k) => k.trim());
  const empty = keys.findIndex((k) => k === '');
  if (empty >= 0) throw new MidairError(`--keys ${JSON.stringify(list)}: key ${empty + 1} is empty`, 'separate keys with single commas, e.g. --keys 1,2,3 (keys that hold commas go in a --file, one a line)');
  return keys;
}

/** One key a line; blank lines are skipped, spaces around a key dropped. */
function keysFromFile(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new MidairError(`--file ${file}: cannot read it: ${(error as Error).message}`, 'give a text file with one key a line');
  }
  if (text.includes('\0')) throw new MidairError(`--file ${file}: not a text file (it holds NUL bytes)`, 'give a text file with one key a line');
  const keys = text.split(/\r?\n/).map((k) => k.trim()).filter((k) => k !== '');
  if (keys.length === 0) throw new MidairError(`--file ${file}: holds no keys`, 'give a text file with one key a line');
  return keys;
}

function formatMoved(r: MigrateRowsResult): string {
  const lines = [`migrated ${formatCount(r.moved)} row${r.moved === 1 ? '' : 's'} of "${r.table}" (migration "${r.migration}") to the new shape`];
  if (r.keys) {
    lines.push(`  keys: ${formatCount(r.keys.given)} given, ${formatCount(r.keys.found)} found, ${formatCount(r.keys.alreadyMigrated)} of them migrated already`);
    if (r.keys.notFound.length) lines.push(`  not found: ${r.keys.notFound.join(', ')}${r.keys.given - r.keys.found > r.keys.notFound.length ? ', ...' : ''}`);
  }
  return lines.join('\n');
}

export function registerMigrateRows(program: Command): void {
  addVerb(program, 'migrate-rows <migration>', 'move the rows named (a canary set, say) to the new shape now: those not migrated yet, by the backfill\'s own update; `midair backfill` moves the rest')
    .option('--keys <k1,k2,...>', 'keys of the rows (a table with a one-column key)')
    .option('--file <path>', 'a file of keys, one a line')
    .option('--where <sql>', 'an SQL condition over the table\'s columns as they are now')
    .option('--table <table>', 'the table, when the migration changes several')
    .action(
      action(async ({ args, options, command }) => {
        const flags = command.opts<MigrateRowsFlags>();
        const named = flags.keys !== undefined || flags.file !== undefined;
        if (named === (flags.where !== undefined)) {
          throw new MidairError('migrate-rows needs the rows: --keys or --file, or else --where', 'e.g. `midair migrate-rows <migration> --keys 1,2,3` or `--where "country = \'NZ\'"`');
        }
        const keys = named ? [...(flags.keys !== undefined ? keysFromList(flags.keys) : []), ...(flags.file !== undefined ? keysFromFile(flags.file) : [])] : undefined;
        const result = await withMidair('migrate-rows', options, (midair) =>
          midair.migrateRows({ migration: args[0], ...(flags.table !== undefined ? { table: flags.table } : {}), ...(keys ? { keys } : { where: flags.where! }) }),
        );
        return { data: { ...result }, text: formatMoved(result) };
      }),
    );
}
