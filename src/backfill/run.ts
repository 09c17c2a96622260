import { hostname } from 'node:os';
import type { Queryable } from '../db/executor.js';
import { ident, qualified } from '../db/sql.js';
import type { Context } from '../lifecycle/context.js';
import { MARKER_COLUMN, filledColumns, type Plan, type TableSync } from '../migration/plan.js';
import { atMostEvery, BUDGET_CHECK_MS, enforceBudget, type BudgetEnforcement } from '../slo/budgetGuard.js';
import { GuardOutage } from '../slo/guardOutage.js';
import type { MigrationRecord } from '../state/store.js';
import { KeyRange } from './keyRange.js';
import { snapshotLazyProgress } from './lazyProgress.js';
import { checkpointTouch, releaseAll } from './leases.js';
import { Throttle, defaultThrottle, type ThrottleOptions } from './throttle.js';
import { executorConnection, runWorker, sessionConnection, type TableJob } from './worker.js';

export interface BackfillOptions {
  /** Workers in this process. Default 1. More processes (on more machines) may run at once. */
  workers?: number;
  throttle?: Partial<ThrottleOptions>;
  /** A worker silent for this long loses its range to another. Default 30. */
  leaseSeconds?: number;
}

export interface BackfillTableResult {
  table: string;
  rows: number;
  seconds: number;
}

export interface BackfillResult {
  migration: string;
  strategy: 'update';
  workers: number;
  tables: BackfillTableResult[];
  /** Rows this process filled (other processes' rows are in their own results). */
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

export function keyRangeOf(plan: Plan, record: MigrationRecord, sync: TableSync): KeyRange {
  const before = record.catalog.tables.find((t) => t.name === sync.table)!;
  const columns = sync.key.map((name) => ({ name, type: before.columns.find((c) => c.name === name)!.type }));
  return new KeyRange(qualified(plan.schema, sync.table), columns);
}

async function ensureCheckpoint(db: Queryable, record: MigrationRecord, sync: TableSync, range: KeyRange): Promise<number> {
  const [existing] = await db.query<{ rows_total: string; done: boolean }>(
    'SELECT rows_total, done FROM midair.backfill_checkpoints WHERE migration_id = $1 AND table_name = $2',
    [record.id, sync.table],
  );
  if (existing) {
    // Rows written with triggers bypassed (session_replication_role = replica) stay unsynced after
    // the walk finished: walk again, touching only those.
    const left = existing.done && (await db.query(`SELECT 1 FROM ${range.table} WHERE ${ident(MARKER_COLUMN)} IS NULL LIMIT 1`)).length > 0;
    if (left) {
      await db.query(
        'UPDATE midair.backfill_checkpoints SET last_key = NULL, handed_out = false, done = false WHERE migration_id = $1 AND table_name = $2',
        [record.id, sync.table],
      );
    }
    return Number(existing.rows_total);
  }
  const [count] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${range.table}`);
  await db.query(
    'INSERT INTO midair.backfill_checkpoints (migration_id, table_name, rows_total) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [record.id, sync.table, Number(count?.n ?? 0)],
  );
  return Number(count?.n ?? 0);
}

/**
 * The in-place strategy: existing rows get their new columns from set-wise UPDATEs over key ranges
 * that workers lease through the control schema (any number of workers, in any number of
 * processes). Each range commits with the end of its lease, so a killed backfill resumes where it
 * stopped and no range is done twice. The sync trigger stands aside for these updates and rows
 * written by the application since start (marked) are never overwritten.
 *
 * Between batches, at most every BUDGET_CHECK_MS, the budget guard judges the migration's service: a
 * fast burn pauses the backfill (every worker, in every process, waits, saying why) and
 * `onBudgetGuard` hears what it did, to tell the migration's people.
 */
export async function runBackfill(ctx: Context, record: MigrationRecord, plan: Plan, options: BackfillOptions = {}, onBudgetGuard: (enforced: BudgetEnforcement) => Promise<void> = async () => {}): Promise<BackfillResult> {
  const { db, settings } = ctx;
  const workers = Math.max(1, Math.floor(options.workers ?? 1));
  // The backfill goes on while the guard cannot judge (the gates refuse on that), said once per outage.
  const outage = new GuardOutage(`the budget guard of migration "${record.name}"`, (message) => ctx.report.warn(message));
  const budgetGuard = atMostEvery(BUDGET_CHECK_MS, () =>
    outage.round(async (onSliUnknown) => {
      const enforced = await enforceBudget(db, settings, record, ctx.now(), onSliUnknown);
      if (!enforced?.paused && !enforced?.pulled) return;
      if (enforced.paused) ctx.report.warn(`${enforced.reason}: the backfill is paused; resuming is a person's decision (\`midair backfill resume ${record.name}\`)`);
      await onBudgetGuard(enforced);
    }),
  );
  const started = Date.now();
  const results: BackfillTableResult[] = [];
  if (db.kind === 'embedded') await releaseAll(db, record.id);
  for (const sync of plan.sync) {
    const assignments = filledColumns(sync);
    if (assignments.length === 0) continue;
    const range = keyRangeOf(plan, record, sync);
    const rowsTotal = await ensureCheckpoint(db, record, sync, range);
    const probeSql = options.throttle?.probeSql === undefined ? `SELECT 1 FROM ${range.table} ORDER BY ${range.tuple} LIMIT 1` : options.throttle.probeSql;
    const throttle = new Throttle({ ...defaultThrottle, ...options.throttle, probeSql }, checkpointTouch({ migrationId: record.id, table: sync.table }));
    if (db.kind === 'embedded') await throttle.calibrate(db, executorConnection(db));
    else await db.session((session) => throttle.calibrate(session, sessionConnection(session, null)));
    const tableStarted = Date.now();
    let rows = 0;
    const job: TableJob = {
      migrationId: record.id,
      table: sync.table,
      range,
      assignments,
      recordMoves: Boolean(record.definition.lazy),
      lockTimeoutMs: settings.lockTimeoutMs,
      targetBatchMs: settings.targetBatchMs,
      leaseSeconds: options.leaseSeconds ?? 30,
      throttle,
      beforeClaim: budgetGuard,
      onBatch(batch) {
        rows += batch.rows;
        const seconds = (Date.now() - tableStarted) / 1000;
        const rate = seconds > 0 ? rows / seconds : 0;
        const total = Math.max(rowsTotal, batch.rowsDone);
        ctx.report.progress({
          table: sync.table,
          rowsDone: batch.rowsDone,
          rowsTotal: total,
          rowsPerSecond: rate,
          etaSeconds: rate > 0 ? (total - batch.rowsDone) / rate : null,
          batchSize: batch.batchSize,
          workers,
          throttle: batch.throttle,
          waiting: false,
        });
      },
      onWait(reason) {
        if (reason) ctx.report.progress({ table: sync.table, rowsDone: 0, rowsTotal, rowsPerSecond: 0, etaSeconds: null, batchSize: 0, workers, throttle: reason, waiting: true });
      },
    };
    const name = `${hostname()}:${process.pid}`;
    await Promise.all(
      Array.from({ length: workers }, (_, i) => {
        const worker = `${name}:${i + 1}:${Math.random().toString(36).slice(2, 8)}`;
        if (db.kind === 'embedded') return runWorker(executorConnection(db), db, job, worker, settings.batchSize);
        return db.session(async (session) => {
          const [row] = await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
          await session.exec(`SET application_name = 'midair backfill ${i + 1}'`);
          await runWorker(sessionConnection(session, row?.pid ?? null), session, job, worker, settings.batchSize);
        });
      }),
    );
    results.push({ table: sync.table, rows, seconds: (Date.now() - tableStarted) / 1000 });
  }
  if (record.definition.lazy) await snapshotLazyProgress(db, record, plan);
  const seconds = (Date.now() - started) / 1000;
  const rows = results.reduce((sum, r) => sum + r.rows, 0);
  return { migration: record.name, strategy: 'update', workers, tables: results, rows, seconds, rowsPerSecond: seconds > 0 ? rows / seconds : 0 };
}

/** Rows that no write and no backfill batch has brought to the new shape yet. */
export async function unsyncedRows(db: Queryable, plan: Plan): Promise<number> {
  let total = 0;
  for (const sync of plan.sync) {
    if (filledColumns(sync).length === 0) continue;
    const [row] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(plan.schema, sync.table)} WHERE ${ident(MARKER_COLUMN)} IS NULL`);
    total += Number(row?.n ?? 0);
  }
  return total;
}
