import { ident } from '../db/sql.js';
import type { Queryable } from '../db/executor.js';
import { MidairError } from '../errors.js';
import type { Context } from '../lifecycle/context.js';
import { MARKER_COLUMN, filledColumns, type Plan, type TableSync } from '../migration/plan.js';
import type { MigrationRecord } from '../state/store.js';
import { keyRangeOf } from '../backfill/run.js';
import type { Key, KeyRange } from '../backfill/keyRange.js';
import { WHOLE_TABLE, blockCondition, blockRanges, blocksOf, type BlockRange } from './blockRanges.js';
import { checksOf, uncheckedOf, type Check } from './checks.js';
import { withSharedSnapshot } from './sharedSnapshot.js';

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
   * Connections that scan parts of each table at once. Default: as many processes as the server
   * gives one parallel scan (1 + max_parallel_workers_per_gather, 3 by default); always 1 on the
   * embedded database (one connection).
   */
  workers?: number;
}

/** Verify uses what the server's settings allow one query: no more of its CPUs than a plain scan would. */
async function defaultWorkers(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>(`SELECT 1 + current_setting('max_parallel_workers_per_gather')::int AS n`);
  return Math.min(64, row?.n ?? 1);
}
const SAMPLES = 20;
/** Rows per key range when a failing expression is looked for (see rangeThatFails). */
const SEARCH_ROWS = 20_000;

/** One table's checks, as SQL. */
interface TableCheck {
  sync: TableSync;
  range: KeyRange;
  checks: Check[];
  /** SQL: the row differs in any check. */
  differs: string;
  /** SQL: the row is not backfilled yet; 'false' where the migration backfills nothing. */
  unsynced: string;
}

interface Part {
  table: TableCheck;
  blocks: BlockRange;
}

interface PartResult {
  rows: number;
  unsynced: number;
  mismatches: number;
  samples: Mismatch[];
}

/** A part whose scan failed: an expression that fails on one of its rows. */
class PartFailure extends Error {
  constructor(
    readonly table: TableCheck,
    readonly error: Error,
  ) {
    super(error.message);
  }
}

function tableCheckOf(plan: Plan, record: MigrationRecord, sync: TableSync): TableCheck {
  const checks = checksOf(sync);
  return {
    sync,
    range: keyRangeOf(plan, record, sync),
    checks,
    differs: checks.map((c) => c.differs).join(' OR '),
    unsynced: filledColumns(sync).length > 0 ? `o.${ident(MARKER_COLUMN)} IS NULL` : 'false',
  };
}

/**
 * One scan of a part counts its rows, unsynced rows and mismatches and transfers nothing per row;
 * only a part with mismatches is read again for its first few, in key order, while samples are wanted.
 */
async function checkPart(db: Queryable, part: Part, wanted: () => boolean): Promise<PartResult> {
  const { table } = part;
  const where = blockCondition(part.blocks);
  const [counts] = await db.query<{ n: number; u: number; m: number }>(
    `SELECT count(*)::float8 AS n, count(*) FILTER (WHERE ${table.unsynced})::float8 AS u, count(*) FILTER (WHERE ${table.differs})::float8 AS m
       FROM ${table.range.table} AS o WHERE ${where}`,
  );
  const result: PartResult = { rows: counts!.n, unsynced: counts!.u, mismatches: counts!.m, samples: [] };
  if (result.mismatches === 0 || !wanted()) return result;
  const columns = table.checks.map((c, i) => `${c.actual}::text AS a${i}, ${c.expected}::text AS e${i}, ${c.differs} AS d${i}`);
  const rows = await db.query<Record<string, string | boolean | null> & { key: Key }>(
    `SELECT ${table.range.asText} AS key, ${columns.join(', ')} FROM ${table.range.table} AS o
      WHERE ${where} AND (${table.differs}) ORDER BY ${table.range.columns.map((c) => ident(c.name)).join(', ')} LIMIT ${SAMPLES}`,
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
 * Proves, row by row, that the new representation is up(old) and the old is down(new): each table
 * is split into parts of its heap that `workers` connections scan at once, all in one snapshot,
 * with one aggregate query per part. A table is read once, however many rows differ.
 */
export async function runVerify(ctx: Context, record: MigrationRecord, plan: Plan, options: VerifyOptions = {}): Promise<VerifyResult> {
  const started = Date.now();
  const workers = ctx.db.kind === 'embedded' ? 1 : Math.max(1, Math.floor(options.workers ?? (await defaultWorkers(ctx.db))));
  const tables = plan.sync.map((sync) => tableCheckOf(plan, record, sync)).filter((t) => t.checks.length > 0);
  const { at, results } = await withSharedSnapshot(ctx.db, workers, async (connections, at) => {
    const parts: Part[] = [];
    for (const table of tables) {
      const ranges = workers > 1 ? blockRanges(await blocksOf(connections[0]!, table.range.table), workers) : [WHOLE_TABLE];
      parts.push(...ranges.map((blocks) => ({ table, blocks })));
    }
    const results: (PartResult | undefined)[] = [];
    let next = 0;
    let failed = false;
    // Part i samples unless finished parts before it have enough: the samples kept are then the
    // same however the workers ran.
    const wanted = (i: number) => results.slice(0, i).reduce((sum, r) => sum + (r?.samples.length ?? 0), 0) < SAMPLES;
    // Each worker takes the next part until none is left or one failed; all finish before the snapshot ends.
    const settled = await Promise.allSettled(
      connections.map(async (db) => {
        while (!failed && next < parts.length) {
          const i = next++;
          const part = parts[i]!;
          results[i] = await checkPart(db, part, () => wanted(i)).catch((error: Error) => {
            failed = true;
            throw new PartFailure(part.table, error);
          });
        }
      }),
    );
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
    return { at, results: results as PartResult[] };
  }).catch(async (error: unknown) => {
    if (error instanceof PartFailure) throw await failureOf(ctx.db, error);
    throw error;
  });
  const result: VerifyResult = {
    migration: record.name,
    rowsChecked: results.reduce((sum, r) => sum + r.rows, 0),
    mismatches: results.reduce((sum, r) => sum + r.mismatches, 0),
    unsynced: results.reduce((sum, r) => sum + r.unsynced, 0),
    // In table order and, within a table, in the order of its parts: the same rows however the workers ran.
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
async function failureOf(db: Queryable, failure: PartFailure): Promise<MidairError> {
  const { range, differs } = failure.table;
  let lo: Key | null = null;
  let span = '';
  for (;;) {
    const hi = await range.boundary(db, lo, SEARCH_ROWS);
    const where = range.condition(lo, hi);
    const fails = await db.query(`SELECT count(*) FILTER (WHERE ${differs}) FROM ${range.table} AS o WHERE ${where.sql}`, where.params).then(
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
