import { ident } from '../db/sql.js';
import { MidairError } from '../errors.js';
import type { Context } from '../lifecycle/context.js';
import { MARKER_COLUMN, columnsNamed, filledColumns, type Assignment, type Plan, type TableSync } from '../migration/plan.js';
import type { MigrationRecord } from '../state/store.js';
import { keyRangeOf } from '../backfill/run.js';
import type { Key } from '../backfill/keyRange.js';

export interface Mismatch {
  table: string;
  key: string;
  /** The column as the user knows it: its name in the new shape (up) or the old one (down). */
  column: string;
  /** "up": the new column differs from up(old row); "down": the old column differs from down(new row). */
  direction: 'up' | 'down';
  actual: string | null;
  /** What the expression gives; null too where it is volatile (it cannot be recomputed). */
  expected: string | null;
  /** Set when the expression is volatile: then the mismatch is a value missing where one is due. */
  volatile?: string[];
}

export interface VerifyResult {
  migration: string;
  rowsChecked: number;
  mismatches: number;
  /** Rows not yet backfilled (counted in mismatches too when their values differ). */
  unsynced: number;
  samples: Mismatch[];
  /** What verify could not check, and what it checked instead (volatile expressions). */
  unchecked: string[];
  seconds: number;
}

const CHUNK = 20_000;
const SAMPLES = 20;

interface Check {
  column: string;
  direction: 'up' | 'down';
  /** SQL: the row's values differ from what the expression says. */
  differs: string;
  actual: string;
  /** SQL of the expected value for samples. */
  expected: string;
  volatile?: string[];
}

/**
 * Each check compares a stored value with the expression that should have produced it, for the
 * rows whose values came from the other side. A volatile expression gives another value when
 * evaluated again, so its column is checked only for a value where one is due: always when the
 * column is NOT NULL, else when every column the expression reads has one.
 */
function checksOf(sync: TableSync): Check[] {
  const source = `o.${ident(MARKER_COLUMN)}`;
  // down sees the new shape: a sub-select renames the physical columns to the new names.
  const newRow = sync.newScope.map((c) => `o.${ident(c.physical)} AS ${ident(c.name)}`).join(', ');
  const check = (a: Assignment, direction: 'up' | 'down'): Check => {
    const [from, to] = direction === 'up' ? [sync.oldScope, sync.newScope] : [sync.newScope, sync.oldScope];
    const target = to.find((c) => c.physical === a.column) ?? { name: a.column, nullable: true };
    const applies = direction === 'up' ? `${source} IS DISTINCT FROM 'n'` : `${source} = 'n'`;
    const actual = `o.${ident(a.column)}`;
    if (a.volatile) {
      const present = columnsNamed(from, [a.expression]).map((c) => `o.${ident(c.physical)} IS NOT NULL`);
      const due = target.nullable ? present.join(' AND ') || 'true' : 'true';
      return { column: target.name, direction, differs: `(${applies} AND ${actual} IS NULL AND ${due})`, actual, expected: 'NULL', volatile: a.volatile };
    }
    const expected = direction === 'up' ? `(${a.expression})` : `(SELECT (${a.expression}) FROM (SELECT ${newRow}) AS n)`;
    const synced = direction === 'down' ? upHolds(a) : null;
    return { column: target.name, direction, differs: `(${applies} AND ${actual} IS DISTINCT FROM ${expected}${synced ? ` AND NOT (${synced})` : ''})`, actual, expected };
  };
  // A row the new release wrote last, whose old columns an old-release update changed since: the
  // trigger derived the new columns those feed from them (up), and left the rest. Such an old
  // column agrees with the new shape when every new column its `down` reads is up(old row).
  const upHolds = (a: Assignment): string | null => {
    const sources = columnsNamed(sync.newScope, [a.expression]).map((c) => sync.up.find((u) => u.column === c.physical));
    if (sources.length === 0 || sources.some((u) => !u || u.volatile)) return null;
    return sources.map((u) => `o.${ident(u!.column)} IS NOT DISTINCT FROM (${u!.expression})`).join(' AND ');
  };
  return [...sync.up.map((a) => check(a, 'up')), ...sync.down.map((a) => check(a, 'down'))];
}

/** What verify cannot check for a volatile expression, in words. */
function uncheckedOf(sync: TableSync, checks: Check[]): string[] {
  return checks
    .filter((c) => c.volatile)
    .map((c) => `"${sync.table}"."${c.column}": "${c.direction}" is volatile (${c.volatile!.join(', ')}): its values cannot be recomputed; checked only that a value is there where one is due (constraints are validated by complete)`);
}

/**
 * Proves, row by row, that the new representation is up(old) and the old is down(new), with one
 * aggregate query per key range: a table is read once, however many rows differ.
 */
export async function runVerify(ctx: Context, record: MigrationRecord, plan: Plan): Promise<VerifyResult> {
  const started = Date.now();
  // Recorded as the verification's time: a change after this moment may be missed by it.
  const [begun] = await ctx.db.query<{ at: string }>('SELECT now()::text AS at');
  let rowsChecked = 0;
  let mismatches = 0;
  let unsynced = 0;
  const samples: Mismatch[] = [];
  const unchecked: string[] = [];
  for (const sync of plan.sync) {
    const checks = checksOf(sync);
    if (checks.length === 0) continue;
    unchecked.push(...uncheckedOf(sync, checks));
    const range = keyRangeOf(plan, record, sync);
    const backfilled = filledColumns(sync).length > 0;
    const differ = checks.map((c) => c.differs);
    const anyDiffer = differ.join(' OR ');
    const sample = `jsonb_build_object('key', to_jsonb(${range.asText}), ${checks.map((c, i) => `'a${i}', ${c.actual}::text, 'e${i}', ${c.expected}::text, 'd${i}', ${differ[i]}`).join(', ')})`;
    let lo: Key | null = null;
    for (;;) {
      const hi = await range.boundary(ctx.db, lo, CHUNK);
      const where = range.condition(lo, hi);
      // One scan per range counts rows, unsynced rows and mismatches, and keeps the first few.
      const [chunk] = await ctx.db
        .query<{ n: string; u: string; m: string; samples: (Record<string, string | boolean | null> & { key: Key })[] }>(
          `SELECT count(*) AS n, ${backfilled ? `count(*) FILTER (WHERE ${ident(MARKER_COLUMN)} IS NULL)` : '0'} AS u,
                  count(*) FILTER (WHERE ${anyDiffer}) AS m,
                  coalesce(to_jsonb((array_agg(${sample}) FILTER (WHERE ${anyDiffer}))[1:${SAMPLES}]), '[]') AS samples
             FROM ${range.table} AS o WHERE ${where.sql}`,
          where.params,
        )
        .catch((error: Error) => {
          const span = `${lo ? `after ${range.format(lo)}` : 'from the start'}${hi ? ` up to ${range.format(hi)}` : ''}`;
          throw new MidairError(
            `verify of "${sync.table}" stopped: an up or down expression fails on a row ${span}: ${error.message}`,
            'the same row would fail an application write through the other shape: fix the expression (roll back, edit, start again) or the row',
          );
        });
      rowsChecked += Number(chunk?.n ?? 0);
      unsynced += Number(chunk?.u ?? 0);
      mismatches += Number(chunk?.m ?? 0);
      for (const row of chunk?.samples ?? []) {
        checks.forEach((c, i) => {
          if (samples.length < SAMPLES && row[`d${i}`]) {
            const mismatch: Mismatch = { table: sync.table, key: range.format(row.key), column: c.column, direction: c.direction, actual: row[`a${i}`] as string | null, expected: row[`e${i}`] as string | null };
            samples.push(c.volatile ? { ...mismatch, volatile: c.volatile } : mismatch);
          }
        });
      }
      if (!hi) break;
      lo = hi;
    }
  }
  const result = { migration: record.name, rowsChecked, mismatches, unsynced, samples, unchecked, seconds: (Date.now() - started) / 1000 };
  await ctx.db.query(
    'INSERT INTO midair.verifications (migration_id, at, rows_checked, mismatches, unsynced, samples) VALUES ($1, $2, $3, $4, $5, $6)',
    [record.id, begun!.at, rowsChecked, mismatches, unsynced, JSON.stringify(samples)],
  );
  return result;
}
