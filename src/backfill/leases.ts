import type { Queryable } from '../db/executor.js';
import type { Key, KeyRange } from './keyRange.js';

/** A range (lo, hi] of one table's keys that one worker owns until it commits or its lease runs out. */
export interface Lease {
  id: number;
  lo: Key | null;
  hi: Key | null;
  rows: number;
}

export type Claim =
  | { kind: 'lease'; lease: Lease; takenOver: boolean }
  /** Nothing to hand out now: other workers hold the remaining ranges, or the backfill is paused. */
  | { kind: 'wait'; reason: string | null }
  | { kind: 'done' };

export interface LeaseOwner {
  worker: string;
  /** The worker's server session; a lease whose session is gone is taken over at once. */
  backendPid: number | null;
  leaseSeconds: number;
}

interface Scope {
  migrationId: number;
  table: string;
}

/**
 * Hands out the next range of keys. Claims are serialized by the table's checkpoint row, so two
 * workers never get overlapping ranges; a lease left by a dead or stalled worker is taken over
 * before new ranges are cut.
 */
export async function claim(tx: Queryable, scope: Scope, range: KeyRange, owner: LeaseOwner, batch: number): Promise<Claim> {
  const [checkpoint] = await tx.query<{ last_key: Key | null; handed_out: boolean; done: boolean; paused: boolean | null; changed_by: string | null }>(
    `SELECT c.last_key, c.handed_out, c.done, k.paused, k.changed_by
       FROM midair.backfill_checkpoints c
       LEFT JOIN midair.backfill_control k ON k.migration_id = c.migration_id
      WHERE c.migration_id = $1 AND c.table_name = $2 FOR UPDATE OF c`,
    [scope.migrationId, scope.table],
  );
  if (!checkpoint || checkpoint.done) return { kind: 'done' };
  if (checkpoint.paused) return { kind: 'wait', reason: `paused by ${checkpoint.changed_by}` };

  const [stale] = await tx.query<{ id: number; lo: Key | null; hi: Key | null; rows: number }>(
    `SELECT id::int AS id, lo, hi, rows FROM midair.backfill_leases
      WHERE migration_id = $1 AND table_name = $2
        AND (expires_at < now() OR (backend_pid IS NOT NULL AND backend_pid NOT IN (SELECT pid FROM pg_stat_activity WHERE pid IS NOT NULL)))
      ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
    [scope.migrationId, scope.table],
  );
  if (stale) {
    await tx.query(
      `UPDATE midair.backfill_leases SET worker = $2, backend_pid = $3, expires_at = now() + make_interval(secs => $4) WHERE id = $1`,
      [stale.id, owner.worker, owner.backendPid, owner.leaseSeconds],
    );
    return { kind: 'lease', lease: stale, takenOver: true };
  }

  if (!checkpoint.handed_out) {
    const lo = checkpoint.last_key;
    const hi = await range.boundary(tx, lo, batch);
    let rows = batch;
    if (!hi) {
      const where = range.condition(lo, null);
      const [rest] = await tx.query<{ n: string }>(`SELECT count(*) AS n FROM ${range.table} WHERE ${where.sql}`, where.params);
      rows = Number(rest?.n ?? 0);
    }
    const [lease] = await tx.query<{ id: number }>(
      `INSERT INTO midair.backfill_leases (migration_id, table_name, lo, hi, rows, worker, backend_pid, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8)) RETURNING id::int AS id`,
      [scope.migrationId, scope.table, JSON.stringify(lo), JSON.stringify(hi), rows, owner.worker, owner.backendPid, owner.leaseSeconds],
    );
    await tx.query(
      `UPDATE midair.backfill_checkpoints SET last_key = $3, handed_out = $4, updated_at = now() WHERE migration_id = $1 AND table_name = $2`,
      [scope.migrationId, scope.table, JSON.stringify(hi ?? lo), hi === null],
    );
    return { kind: 'lease', lease: { id: lease!.id, lo, hi, rows }, takenOver: false };
  }

  const [outstanding] = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM midair.backfill_leases WHERE migration_id = $1 AND table_name = $2',
    [scope.migrationId, scope.table],
  );
  if (outstanding && outstanding.n > 0) return { kind: 'wait', reason: null };
  // Done, the count of rows walked is the total (rows deleted since it was counted are gone).
  await tx.query('UPDATE midair.backfill_checkpoints SET done = true, rows_total = rows_done, updated_at = now() WHERE migration_id = $1 AND table_name = $2', [scope.migrationId, scope.table]);
  return { kind: 'done' };
}

/**
 * Ends a lease inside the transaction that does its work, before the work: the delete locks the
 * lease, so no one takes it over meanwhile. If another worker took it over already, this returns
 * false and the caller does nothing, so no range is committed twice.
 */
export async function endLease(tx: Queryable, lease: Lease, worker: string): Promise<boolean> {
  const deleted = await tx.query('DELETE FROM midair.backfill_leases WHERE id = $1 AND worker = $2 RETURNING id', [lease.id, worker]);
  return deleted.length > 0;
}

/**
 * Adds a finished lease's rows to the table's progress, raising the total when rows written since it
 * was counted take the done count above it (nobody is shown 2,500 of 2,000 rows). It locks the checkpoint row that every claim
 * needs, so it comes last in its transaction: held through a whole batch, it would serialize the workers.
 */
export async function countDone(tx: Queryable, scope: Scope, lease: Lease): Promise<number> {
  const [row] = await tx.query<{ rows_done: string }>(
    `UPDATE midair.backfill_checkpoints SET rows_done = rows_done + $3, rows_total = greatest(rows_total, rows_done + $3), updated_at = now()
      WHERE migration_id = $1 AND table_name = $2 RETURNING rows_done`,
    [scope.migrationId, scope.table, lease.rows],
  );
  return Number(row?.rows_done ?? 0);
}

/**
 * A write that changes nothing but is a real one (a new row version, WAL, a commit that waits for
 * it to reach disk): the throttle times its commit. The checkpoint row is only ever locked for a
 * moment, by claims and counts, and the throttle does not time the wait for it.
 */
export function checkpointTouch(scope: Scope): { sql: string; params: unknown[] } {
  return {
    sql: 'UPDATE midair.backfill_checkpoints SET rows_done = rows_done WHERE migration_id = $1 AND table_name = $2',
    params: [scope.migrationId, scope.table],
  };
}

/** Gives a lease up at once (its worker failed), so the next backfill takes it over without waiting for it to expire. */
export async function release(db: Queryable, lease: Lease, worker: string): Promise<void> {
  await db.query(`UPDATE midair.backfill_leases SET expires_at = now() - interval '1 second' WHERE id = $1 AND worker = $2`, [lease.id, worker]);
}

/** The embedded database is one process: any lease found when a backfill starts is a dead one's. */
export async function releaseAll(db: Queryable, migrationId: number): Promise<void> {
  await db.query('UPDATE midair.backfill_leases SET expires_at = now() - interval \'1 second\' WHERE migration_id = $1', [migrationId]);
}
