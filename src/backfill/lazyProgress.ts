import type { Queryable } from '../db/executor.js';
import { ident, qualified } from '../db/sql.js';
import { MARKER_COLUMN, type Plan, type TableSync } from '../migration/plan.js';
import type { MigrationRecord } from '../state/store.js';

/**
 * How far a lazy migration's rows have moved to the new shape, per table, and how many the
 * application moved by itself. The arithmetic (docs/lazy.md, "Progress"):
 * - pending = total − migrated: rows not migrated yet (marker NULL), counted now;
 * - snapshots in midair.lazy_progress keep (migrated, total) over time; the first is taken right
 *   after start, further ones by status (at most one a minute), backfill and migrate-rows;
 * - every batch Midair moves (backfill, migrate-rows) is recorded with its row count in
 *   midair.lazy_moves, in the transaction that moves it;
 * - moved naturally between a snapshot A and now = (pending at A − pending now) − rows Midair moved
 *   after A: what left the unmigrated set by application writes through either shape (deletes of
 *   unmigrated rows included); since start, A is the first snapshot;
 * - natural per day = moved naturally between W and now / days from W to now, where W is the last
 *   snapshot at least 7 days old (or the first, for a younger migration).
 */
export interface LazyTableProgress {
  table: string;
  migrated: number;
  total: number;
  pending: number;
  movedNaturally: number;
  movedByMidair: number;
  /** Null until there is a time span to divide by. */
  naturalPerDay: number | null;
  /** The span the rate is over, in days. */
  rateWindowDays: number;
  /** When counting began (the first snapshot). */
  since: string;
}

/** Where a batch of moved rows came from, as recorded in midair.lazy_moves. */
export type MoveSource = 'backfill' | 'migrate-rows';

const RATE_WINDOW_DAYS = 7;
/** status snapshots no more often than this: a dashboard polling status must not fill the table. */
const STATUS_SNAPSHOT_SECONDS = 60;

/** The tables whose rows a lazy migration upcasts: those with columns `up` computes. */
export function lazyTables(plan: Plan): TableSync[] {
  return plan.sync.filter((s) => s.up.length > 0);
}

/**
 * Records the rows an UPDATE of Midair's moved, in the same statement: `update` must be an UPDATE
 * ... RETURNING 1; `params` are its parameters, and the migration id and table follow them.
 */
export function recordingMoves(update: string, params: unknown[], migrationId: number, table: string, source: MoveSource): { sql: string; params: unknown[] } {
  const n = params.length;
  return {
    sql: `WITH moved AS (${update})
      INSERT INTO midair.lazy_moves (migration_id, table_name, rows, source, at)
      SELECT $${n + 1}, $${n + 2}, count(*), '${source}', clock_timestamp() FROM moved HAVING count(*) > 0 RETURNING rows`,
    params: [...params, migrationId, table],
  };
}

interface Counts {
  at: string;
  migrated: number;
  total: number;
}

async function countNow(db: Queryable, plan: Plan, sync: TableSync): Promise<Counts> {
  const [row] = await db.query<{ at: string; migrated: string; total: string }>(
    `SELECT statement_timestamp()::text AS at, count(*) FILTER (WHERE ${ident(MARKER_COLUMN)} IS NOT NULL) AS migrated, count(*) AS total
       FROM ${qualified(plan.schema, sync.table)}`,
  );
  return { at: row!.at, migrated: Number(row!.migrated), total: Number(row!.total) };
}

async function store(db: Queryable, record: MigrationRecord, table: string, counts: Counts): Promise<void> {
  await db.query(
    `INSERT INTO midair.lazy_progress (migration_id, at, table_name, migrated, total) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [record.id, counts.at, table, counts.migrated, counts.total],
  );
}

/** Counts every lazy table now and keeps the counts as a snapshot (after start, backfill and migrate-rows). */
export async function snapshotLazyProgress(db: Queryable, record: MigrationRecord, plan: Plan): Promise<void> {
  for (const sync of lazyTables(plan)) await store(db, record, sync.table, await countNow(db, plan, sync));
}

async function progressOf(db: Queryable, record: MigrationRecord, plan: Plan, sync: TableSync): Promise<LazyTableProgress> {
  const now = await countNow(db, plan, sync);
  const [last] = await db.query<{ age: number }>(
    `SELECT extract(epoch FROM $3::timestamptz - max(at))::float8 AS age FROM midair.lazy_progress WHERE migration_id = $1 AND table_name = $2`,
    [record.id, sync.table, now.at],
  );
  if (last?.age === null || last?.age === undefined || last.age >= STATUS_SNAPSHOT_SECONDS) await store(db, record, sync.table, now);
  const [row] = await db.query<{ first_at: string; first_pending: string; window_seconds: number; window_pending: string; moved_since_first: string; moved_since_window: string; moved: string }>(
    `WITH snapshots AS (SELECT at, total - migrated AS pending FROM midair.lazy_progress WHERE migration_id = $1 AND table_name = $2 AND at <= $3),
          first AS (SELECT at, pending FROM snapshots ORDER BY at LIMIT 1),
          -- The last snapshot old enough to span the window, else the first.
          win AS (SELECT at, pending FROM snapshots, (SELECT $3::timestamptz - make_interval(days => $4) AS edge) AS w
                   ORDER BY at <= w.edge DESC, CASE WHEN at <= w.edge THEN at END DESC, at LIMIT 1)
     SELECT first.at::text AS first_at, first.pending AS first_pending, win.pending AS window_pending,
            extract(epoch FROM $3::timestamptz - win.at)::float8 AS window_seconds,
            coalesce(sum(m.rows) FILTER (WHERE m.at > first.at), 0) AS moved_since_first,
            coalesce(sum(m.rows) FILTER (WHERE m.at > win.at), 0) AS moved_since_window,
            coalesce(sum(m.rows), 0) AS moved
       FROM first, win LEFT JOIN midair.lazy_moves m ON m.migration_id = $1 AND m.table_name = $2
      GROUP BY first.at, first.pending, win.at, win.pending`,
    [record.id, sync.table, now.at, RATE_WINDOW_DAYS],
  );
  const pending = now.total - now.migrated;
  const natural = (from: string, moved: string) => Math.max(0, Number(from) - pending - Number(moved));
  const windowDays = row!.window_seconds / 86_400;
  return {
    table: sync.table,
    migrated: now.migrated,
    total: now.total,
    pending,
    movedNaturally: natural(row!.first_pending, row!.moved_since_first),
    movedByMidair: Number(row!.moved),
    naturalPerDay: windowDays > 0 ? natural(row!.window_pending, row!.moved_since_window) / windowDays : null,
    rateWindowDays: windowDays,
    since: row!.first_at,
  };
}

/** Progress of every lazy table of a migration, for status; keeps a snapshot when the last one is over a minute old. */
export async function lazyProgress(db: Queryable, record: MigrationRecord, plan: Plan): Promise<LazyTableProgress[]> {
  const tables: LazyTableProgress[] = [];
  for (const sync of lazyTables(plan)) tables.push(await progressOf(db, record, plan, sync));
  return tables;
}
