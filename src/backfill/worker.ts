import type { Executor, Queryable } from '../db/executor.js';
import { ident } from '../db/sql.js';
import { MidairError } from '../errors.js';
import type { Assignment } from '../migration/plan.js';
import { MARKER_COLUMN } from '../migration/plan.js';
import type { Key, KeyRange } from './keyRange.js';
import { recordingMoves } from './lazyProgress.js';
import { claim, countDone, endLease, release, type Lease, type LeaseOwner } from './leases.js';
import type { Throttle } from './throttle.js';
import { setTimeout as sleep } from 'node:timers/promises';

/** Bounds of a worker's adaptive batch size, in rows (the plan's estimate uses them too). */
export const BATCH_ROWS = { min: 100, max: 200_000 };

/** One connection's worth of transactions; on a server it is one session, so its pid identifies the worker. */
export interface WorkerConnection {
  backendPid: number | null;
  /** `settings` (SET LOCAL statements) go with BEGIN: one round trip less per transaction. */
  transaction<T>(settings: string, fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

/** A table's backfill as every worker of this process sees it. */
export interface TableJob {
  migrationId: number;
  table: string;
  range: KeyRange;
  assignments: Assignment[];
  /** A lazy migration's: each batch records how many rows it moved (lazyProgress.ts). */
  recordMoves: boolean;
  lockTimeoutMs: number;
  targetBatchMs: number;
  leaseSeconds: number;
  throttle: Throttle;
  /** Called before each claim, i.e. between batches: the budget guard, which may pause the backfill. */
  beforeClaim(): Promise<void>;
  /** Called after every committed batch, with the table-wide count of rows done. */
  onBatch(batch: { rows: number; rowsDone: number; batchSize: number; throttle: string | null; takenOver: boolean }): void;
  onWait(reason: string | null): void;
}

const RETRYABLE = new Set(['55P03', '40P01', '40001']);

/**
 * The backfill's transactions do not wait for their WAL to reach disk (a wait per batch, where one
 * UPDATE of the whole table waits once). Safe: each commits its work together with its bookkeeping,
 * so a server crash that loses the last few loses them whole and their leases are done again; and a
 * later write that depends on one flushes it with its own commit, WAL being flushed in order.
 */
const ASYNC_COMMIT = 'SET LOCAL synchronous_commit = off';

/** Runs BEGIN/COMMIT on one session (node-postgres hands out no transaction object). */
export function sessionConnection(session: Queryable, backendPid: number | null): WorkerConnection {
  return {
    backendPid,
    async transaction(settings, fn) {
      try {
        await session.exec(`BEGIN; ${settings}`);
        const result = await fn(session);
        await session.exec('COMMIT');
        return result;
      } catch (error) {
        await session.exec('ROLLBACK').catch(() => {});
        throw error;
      }
    },
  };
}

export function executorConnection(db: Executor): WorkerConnection {
  return {
    backendPid: null,
    transaction: (settings, fn) =>
      db.transaction(async (tx) => {
        if (settings) await tx.exec(settings);
        return fn(tx);
      }),
  };
}

async function explainFailure(db: Queryable, job: TableJob, lease: Lease, error: unknown): Promise<never> {
  const e = error as { code?: string; message: string; detail?: string };
  if (e.code === '23505' || e.code === '23514' || e.code === '23502') {
    throw new MidairError(`backfill of "${job.table}" stopped: ${e.message}${e.detail ? ` (${e.detail})` : ''}`, 'the new values break a constraint: fix the offending rows and run backfill again (it resumes), or roll back, change "up" and start again');
  }
  // The batch failed as a whole; find the first row whose `up` fails, so the message can name it.
  const where = job.range.condition(lease.lo, lease.hi);
  const keys = await db.query<{ key: Key }>(`SELECT ${job.range.asText} AS key FROM ${job.range.table} WHERE ${where.sql} ORDER BY ${job.range.tuple}`, where.params).catch(() => []);
  const byKey = job.range.columns.map((c, i) => `${ident(c.name)} = $${i + 1}::${c.type}`).join(' AND ');
  for (const { key } of keys) {
    for (const a of job.assignments) {
      try {
        await db.query(`SELECT (${a.expression}) FROM ${job.range.table} WHERE ${byKey}`, key);
      } catch (rowError) {
        throw new MidairError(
          `backfill of "${job.table}" stopped: ${a.source}: "up" for column "${a.column}" fails on the row with ${job.range.format(key)}: ${(rowError as Error).message}`,
          'fix "up" in the migration (roll back, edit, start again), or fix that row; rows before it are done and kept',
        );
      }
    }
  }
  throw error;
}

/** What a backfill UPDATE sets: the new columns from up(old row), and the marker of a row whose old values are authoritative. */
export function backfillSet(assignments: Assignment[]): string {
  return [...assignments.map((a) => `${ident(a.column)} = (${a.expression})`), `${ident(MARKER_COLUMN)} = 'o'`].join(', ');
}

/**
 * One worker: claims a range, fills it in one set-wise UPDATE that commits together with the end
 * of its lease, adapts the next range to the target time per batch, and paces itself by the
 * throttle. It returns when the table is done, by this or any other worker.
 *
 * `db` is the worker's own connection for statements outside its transactions (throttle
 * measurements, failure diagnosis): a shared pool may have no connection left while workers hold theirs.
 */
export async function runWorker(conn: WorkerConnection, db: Queryable, job: TableJob, worker: string, firstBatch: number): Promise<void> {
  const owner: LeaseOwner = { worker, backendPid: conn.backendPid, leaseSeconds: job.leaseSeconds };
  const scope = { migrationId: job.migrationId, table: job.table };
  const set = backfillSet(job.assignments);
  let batch = firstBatch;
  let lastBatchMs = 0;
  for (;;) {
    const reason = await job.throttle.pace(db, conn, lastBatchMs);
    await job.beforeClaim();
    const claimed = await conn.transaction(ASYNC_COMMIT, (tx) => claim(tx, scope, job.range, owner, batch));
    if (claimed.kind === 'done') return;
    if (claimed.kind === 'wait') {
      job.onWait(claimed.reason);
      await sleep(claimed.reason ? 1000 : 200);
      continue;
    }
    const { lease, takenOver } = claimed;
    const started = performance.now();
    let outcome: { owned: boolean; rowsDone: number } | undefined;
    for (let attempt = 0; !outcome; attempt++) {
      try {
        outcome = await conn.transaction(`${ASYNC_COMMIT}; SET LOCAL midair.backfill = 'on'; SET LOCAL lock_timeout = '${Math.max(job.lockTimeoutMs, 2000)}ms'`, async (tx) => {
          // Ending the lease first locks it, so a worker taking it over waits or skips it.
          if (!(await endLease(tx, lease, worker))) return { owned: false, rowsDone: 0 };
          const where = job.range.condition(lease.lo, lease.hi);
          const update = `UPDATE ${job.range.table} SET ${set} WHERE ${where.sql} AND ${ident(MARKER_COLUMN)} IS NULL`;
          if (job.recordMoves) {
            const recorded = recordingMoves(`${update} RETURNING 1`, where.params, job.migrationId, job.table, 'backfill');
            await tx.query(recorded.sql, recorded.params);
          } else {
            await tx.query(update, where.params);
          }
          return { owned: true, rowsDone: await countDone(tx, scope, lease) };
        });
      } catch (error) {
        const code = (error as { code?: string }).code ?? '';
        // A row locked by the application, or a deadlock with it: the batch is tried again.
        if (RETRYABLE.has(code) && attempt < 20) {
          await sleep(50 * (attempt + 1));
          continue;
        }
        await release(db, lease, worker).catch(() => {});
        await explainFailure(db, job, lease, error);
      }
    }
    lastBatchMs = performance.now() - started;
    if (!outcome.owned) continue; // another worker took the lease over; its commit is the one that counts
    job.throttle.record(lease.rows);
    // Adapt the next batch to the time the throttle allows it, by at most a factor of two per step.
    const factor = Math.min(2, Math.max(0.5, job.throttle.batchMs(job.targetBatchMs) / Math.max(1, lastBatchMs)));
    batch = Math.max(BATCH_ROWS.min, Math.min(BATCH_ROWS.max, Math.round(batch * factor)));
    job.onBatch({ rows: lease.rows, rowsDone: outcome.rowsDone, batchSize: batch, throttle: reason, takenOver });
  }
}
