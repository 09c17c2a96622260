import { ident } from '../db/sql.js';
import { MidairError } from '../errors.js';
import type { Context } from '../lifecycle/context.js';
import { MARKER_COLUMN, filledColumns, type Plan, type TableSync } from '../migration/plan.js';
import type { MigrationRecord } from '../state/store.js';
import { keyRangeOf } from '../backfill/run.js';
import type { Key } from '../backfill/keyRange.js';

export interface Mismatch {
  table: string;
  key: string;
  column: string;
  /** "up": the new column differs from up(old row); "down": the old column differs from down(new row). */
  direction: 'up' | 'down';
  actual: string | null;
  expected: string | null;
}

export interface VerifyResult {
  migration: string;
  rowsChecked: number;
  mismatches: number;
  /** Rows not yet backfilled (counted in mismatches too when their values differ). */
  unsynced: number;
  samples: Mismatch[];
  seconds: number;
}

const CHUNK = 20_000;
const SAMPLES = 20;

interface Check {
  column: string;
  direction: 'up' | 'down';
  /** Which rows the check is about: those whose values came from the other side. */
  applies: string;
  actual: string;
  expected: string;
}

/** Each check compares a stored value with the expression that should have produced it. */
function checksOf(sync: TableSync): Check[] {
  const source = `o.${ident(MARKER_COLUMN)}`;
  const up = sync.up.map((a) => ({ column: a.column, direction: 'up' as const, applies: `${source} IS DISTINCT FROM 'n'`, actual: `o.${ident(a.column)}`, expected: `(${a.expression})` }));
  // down sees the new shape: a sub-select renames the physical columns to the new names.
  const newRow = sync.newScope.map((c) => `o.${ident(c.physical)} AS ${ident(c.name)}`).join(', ');
  const down = sync.down.map((a) => ({
    column: a.column,
    direction: 'down' as const,
    applies: `${source} = 'n'`,
    actual: `o.${ident(a.column)}`,
    expected: `(SELECT (${a.expression}) FROM (SELECT ${newRow}) AS n)`,
  }));
  return [...up, ...down];
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
  for (const sync of plan.sync) {
    const checks = checksOf(sync);
    if (checks.length === 0) continue;
    const range = keyRangeOf(plan, record, sync);
    const backfilled = filledColumns(sync).length > 0;
    const differ = checks.map((c) => `(${c.applies} AND ${c.actual} IS DISTINCT FROM ${c.expected})`);
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
            samples.push({ table: sync.table, key: range.format(row.key), column: c.column, direction: c.direction, actual: row[`a${i}`] as string | null, expected: row[`e${i}`] as string | null });
          }
        });
      }
      if (!hi) break;
      lo = hi;
    }
  }
  const result = { migration: record.name, rowsChecked, mismatches, unsynced, samples, seconds: (Date.now() - started) / 1000 };
  await ctx.db.query(
    'INSERT INTO midair.verifications (migration_id, at, rows_checked, mismatches, unsynced, samples) VALUES ($1, $2, $3, $4, $5, $6)',
    [record.id, begun!.at, rowsChecked, mismatches, unsynced, JSON.stringify(samples)],
  );
  return result;
}
