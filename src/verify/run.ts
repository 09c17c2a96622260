import { ident } from '../db/sql.js';
import type { Queryable } from '../db/executor.js';
import { MidairError } from '../errors.js';
import type { Context } from '../lifecycle/context.js';
import { MARKER_COLUMN, filledColumns, type Plan, type TableSync } from '../migration/plan.js';
import type { MigrationRecord } from '../state/store.js';
import { keyRangeOf } from '../backfill/run.js';
import type { Key, KeyRange } from '../backfill/keyRange.js';
import { checksOf, uncheckedOf, type Check } from './checks.js';

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

export interface VerifyOptions {
  /**
   * Processes that scan each table at once, through PostgreSQL's parallel query: 1 + the parallel
   * workers it may start (max_parallel_workers_per_gather). Default: the server's own setting, as
   * for any query (3 on a default server); always 1 on the embedded database (one process).
   */
  workers?: number;
}

const SAMPLES = 20;
/** Rows per key range when a failing expression is looked for (see failureOf). */
const SEARCH_ROWS = 20_000;

/** One table's checks, as SQL over `FROM <table> AS o <lateral>`. */
interface TableCheck {
  sync: TableSync;
  range: KeyRange;
  checks: Check[];
  from: string;
  /** SQL: the row differs in any check. */
  differs: string;
  /** SQL: the row is not backfilled yet; 'false' where the migration backfills nothing. */
  unsynced: string;
}

interface TableResult {
  rows: number;
  unsynced: number;
  mismatches: number;
  samples: Mismatch[];
}

/** A table whose scan failed: an expression that fails on one of its rows. */
class TableFailure extends Error {
  constructor(
    readonly table: TableCheck,
    readonly error: Error,
  ) {
    super(error.message);
  }
}

function tableCheckOf(plan: Plan, record: MigrationRecord, sync: TableSync): TableCheck {
  const { checks, lateral } = checksOf(sync);
  const range = keyRangeOf(plan, record, sync);
  return {
    sync,
    range,
    checks,
    from: `${range.table} AS o ${lateral}`,
    differs: checks.map((c) => c.differs).join(' OR '),
    unsynced: filledColumns(sync).length > 0 ? `o.${ident(MARKER_COLUMN)} IS NULL` : 'false',
  };
}

/** The one scan of a table: counts of rows, unsynced rows and mismatches, and nothing per row. */
function countQuery(table: TableCheck): string {
  return `SELECT count(*)::float8 AS n, count(*) FILTER (WHERE ${table.unsynced})::float8 AS u, count(*) FILTER (WHERE ${table.differs})::float8 AS m FROM ${table.from}`;
}

/** Counts a table; only a table with mismatches is read again, for its first few in key order. */
async function checkTable(db: Queryable, table: TableCheck, samples: number): Promise<TableResult> {
  const [counts] = await db.query<{ n: number; u: number; m: number }>(countQuery(table));
  const result: TableResult = { rows: counts!.n, unsynced: counts!.u, mismatches: counts!.m, samples: [] };
  if (result.mismatches === 0 || samples <= 0) return result;
  const columns = table.checks.map((c, i) => `${c.actual}::text AS a${i}, ${c.expected}::text AS e${i}, ${c.differs} AS d${i}`);
  const rows = await db.query<Record<string, string | boolean | null> & { key: Key }>(
    `SELECT ${table.range.asText} AS key, ${columns.join(', ')} FROM ${table.from}
      WHERE ${table.differs} ORDER BY ${table.range.columns.map((c) => `o.${ident(c.name)}`).join(', ')} LIMIT ${samples}`,
  );
  for (const row of rows) {
    table.checks.forEach((c, i) => {
      if (!row[`d${i}`]) return;
      const mismatch: Mismatch = { table: table.sync.table, key: table.range.format(row.key), column: c.column, direction: c.direction, actual: row[`a${i}`] as string | null, expected: row[`e${i}`] as string | null };
      result.samples.push(c.volatile ? { ...mismatch, volatile: c.volatile } : mismatch);
    });
  }
  return result;
}

/**
 * Proves, row by row, that the new representation is up(old) and the old is down(new), with one
 * aggregate query per table, which PostgreSQL may run as a parallel scan: a table is read once,
 * however many rows differ, and every table in one snapshot.
 */
export async function runVerify(ctx: Context, record: MigrationRecord, plan: Plan, options: VerifyOptions = {}): Promise<VerifyResult> {
  const started = Date.now();
  const tables = plan.sync.map((sync) => tableCheckOf(plan, record, sync)).filter((t) => t.checks.length > 0);
  const parallel = ctx.db.kind === 'embedded' ? 0 : options.workers === undefined ? null : Math.max(0, Math.floor(options.workers) - 1);
  // JIT compilation of these expressions costs more than it saves on one scan.
  const settings = ['SET TRANSACTION ISOLATION LEVEL REPEATABLE READ', 'SET LOCAL jit = off', ...(parallel === null ? [] : [`SET LOCAL max_parallel_workers_per_gather = ${parallel}`])];
  const { at, results } = await ctx.db
    .transaction(async (tx) => {
      await tx.exec(settings.join('; '));
      const [time] = await tx.query<{ at: string }>('SELECT now()::text AS at');
      const results: TableResult[] = [];
      for (const table of tables) {
        const wanted = SAMPLES - results.reduce((sum, r) => sum + r.samples.length, 0);
        results.push(await checkTable(tx, table, wanted).catch((error: Error) => Promise.reject(new TableFailure(table, error))));
      }
      return { at: time!.at, results };
    })
    .catch(async (error: unknown) => {
      throw error instanceof TableFailure ? await failureOf(ctx.db, error) : error;
    });
  const result: VerifyResult = {
    migration: record.name,
    rowsChecked: results.reduce((sum, r) => sum + r.rows, 0),
    mismatches: results.reduce((sum, r) => sum + r.mismatches, 0),
    unsynced: results.reduce((sum, r) => sum + r.unsynced, 0),
    samples: results.flatMap((r) => r.samples).slice(0, SAMPLES),
    unchecked: tables.flatMap((t) => uncheckedOf(t.sync, t.checks)),
    seconds: (Date.now() - started) / 1000,
  };
  // Recorded at the snapshot's time: a change after this moment may be missed by the verification.
  await ctx.db.query(
    'INSERT INTO midair.verifications (migration_id, at, rows_checked, mismatches, unsynced, samples) VALUES ($1, $2, $3, $4, $5, $6)',
    [record.id, at, result.rowsChecked, result.mismatches, result.unsynced, JSON.stringify(result.samples)],
  );
  return result;
}

/**
 * The message for an expression that fails on some row: the scan tells no key, so the table is
 * walked again in key ranges until one fails, and the message names that range.
 */
async function failureOf(db: Queryable, failure: TableFailure): Promise<MidairError> {
  const { range, differs, from } = failure.table;
  let lo: Key | null = null;
  let span = '';
  for (;;) {
    const hi = await range.boundary(db, lo, SEARCH_ROWS);
    const where = range.condition(lo, hi);
    const fails = await db.query(`SELECT count(*) FILTER (WHERE ${differs}) FROM ${from} WHERE ${where.sql}`, where.params).then(
      () => false,
      () => true,
    );
    if (fails) {
      span = ` ${lo ? `after ${range.format(lo)}` : 'from the start'}${hi ? ` up to ${range.format(hi)}` : ''}`;
      break;
    }
    if (!hi) break;
    lo = hi;
  }
  return new MidairError(
    `verify of "${failure.table.sync.table}" stopped: an up or down expression fails on a row${span}: ${failure.error.message}`,
    'the same row would fail an application write through the other shape: fix the expression (roll back, edit, start again) or the row',
  );
}
