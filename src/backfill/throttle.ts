import type { Queryable } from '../db/executor.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ThrottleOptions {
  /** Pause while any standby replays more than this far behind. Default 5000; 0 turns it off. */
  maxReplicationLagMs: number;
  /** A cheap query timed between batches; null turns the probe off. */
  probeSql: string | null;
  /** Slow down while the probe takes more than this many times its idle time. Default 2. */
  maxProbeRatio: number;
  /** Cap on rows per second across this process's workers; 0 means none. */
  maxRowsPerSecond: number;
}

export const defaultThrottle: ThrottleOptions = { maxReplicationLagMs: 5000, probeSql: null, maxProbeRatio: 2, maxRowsPerSecond: 0 };


async function timed(db: Queryable, sql: string): Promise<number> {
  const started = performance.now();
  await db.query(sql);
  return performance.now() - started;
}

async function replicationLagMs(db: Queryable): Promise<number> {
  // replay_lag is null when a standby is idle and caught up; without standbys there are no rows.
  const [row] = await db.query<{ lag: number | null }>(
    `SELECT (max(extract(epoch FROM replay_lag)) * 1000)::float8 AS lag FROM pg_stat_replication`,
  );
  return row?.lag ?? 0;
}

/**
 * Decides, between batches, how long the backfill waits and why. Each measurement that slows the
 * work names itself, so the progress output can say what holds the backfill back.
 */
export class Throttle {
  private baselineMs = 0;
  private readonly started = Date.now();
  private rows = 0;

  constructor(readonly options: ThrottleOptions) {}

  /** The probe's idle time: the median of a few runs before the backfill starts. */
  async calibrate(db: Queryable): Promise<void> {
    if (!this.options.probeSql) return;
    const runs: number[] = [];
    for (let i = 0; i < 7; i++) runs.push(await timed(db, this.options.probeSql));
    runs.sort((a, b) => a - b);
    this.baselineMs = runs[3]!;
  }

  record(rows: number): void {
    this.rows += rows;
  }

  /** Waits as long as the measurements ask, measured through `db`; returns the reason it waited, or null. */
  async pace(db: Queryable, lastBatchMs: number): Promise<string | null> {
    const reasons: string[] = [];
    const { maxReplicationLagMs, probeSql, maxProbeRatio, maxRowsPerSecond } = this.options;
    if (maxReplicationLagMs > 0) {
      for (let waited = 0; ; waited++) {
        const lag = await replicationLagMs(db);
        if (lag <= maxReplicationLagMs) break;
        if (waited === 0) reasons.push(`replication lag ${(lag / 1000).toFixed(1)}s > ${(maxReplicationLagMs / 1000).toFixed(1)}s`);
        await sleep(500);
      }
    }
    if (probeSql) {
      const ms = await timed(db, probeSql);
      // A floor of 1 ms keeps sub-millisecond jitter from reading as pressure.
      const limit = Math.max(this.baselineMs * maxProbeRatio, this.baselineMs + 1);
      if (ms > limit) {
        reasons.push(`probe ${ms.toFixed(1)}ms > ${limit.toFixed(1)}ms`);
        // Back off in proportion to the pressure: the application gets the database to itself.
        await sleep(Math.min(2000, Math.max(lastBatchMs, 10) * (ms / limit)));
      }
    }
    if (maxRowsPerSecond > 0) {
      const aheadMs = (this.rows / maxRowsPerSecond) * 1000 - (Date.now() - this.started);
      if (aheadMs > 0) {
        reasons.push(`rate cap ${maxRowsPerSecond} rows/s`);
        await sleep(aheadMs);
      }
    }
    return reasons.length ? reasons.join(', ') : null;
  }
}
