import type { Queryable } from '../db/executor.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { IDLE_RUNS, Pace, type ProbeTimes } from './pace.js';
import type { WorkerConnection } from './worker.js';

export interface ThrottleOptions {
  /** Pause while any standby replays more than this far behind. Default 5000; 0 turns it off. */
  maxReplicationLagMs: number;
  /** A cheap read timed between batches, standing for the application's reads; null turns it off. */
  probeSql: string | null;
  /** Time a small committed write between batches, standing for the application's commits. Default true. */
  commitProbe: boolean;
  /** The application counts as slowed while a probe takes more than this many times its idle time. Default 1.5. */
  maxProbeRatio: number;
  /** Cap on rows per second across this process's workers; 0 means none. */
  maxRowsPerSecond: number;
}

export const defaultThrottle: ThrottleOptions = { maxReplicationLagMs: 5000, probeSql: null, commitProbe: true, maxProbeRatio: 1.5, maxRowsPerSecond: 0 };

/** A statement with its parameters. */
export interface Statement {
  sql: string;
  params: unknown[];
}

async function timed(db: Queryable, sql: string): Promise<number> {
  const started = performance.now();
  await db.query(sql);
  return performance.now() - started;
}

/**
 * Runs a small write in a transaction of its own and returns how long its COMMIT took: the wait for
 * the WAL written before it to reach disk, which is what an application's commit waits for behind
 * the backfill's WAL. Only the COMMIT is timed, so a row lock the write waited for does not count.
 */
async function commitTime(conn: WorkerConnection, write: Statement): Promise<number> {
  let committing = 0;
  await conn.transaction('', async (tx) => {
    await tx.query(write.sql, write.params);
    committing = performance.now();
  });
  return performance.now() - committing;
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
 * work names itself, so the progress output can say what holds the backfill back. What the
 * application feels is measured by the probes and turned into a pace by `Pace`.
 */
export class Throttle {
  private readonly pacing: Pace;
  private readonly started = Date.now();
  private rows = 0;

  /** `probeWrite` is the commit probe's write: small, and to a row no application locks. */
  constructor(
    readonly options: ThrottleOptions,
    private readonly probeWrite: Statement,
  ) {
    this.pacing = new Pace(options.maxProbeRatio);
  }

  /** Whether any probe watches the application; without one the backfill works at full pace. */
  private get watching(): boolean {
    return this.options.probeSql !== null || this.options.commitProbe;
  }

  /** The probes' idle times, from a few runs before the backfill starts. */
  async calibrate(db: Queryable, conn: WorkerConnection): Promise<void> {
    const idle = { reads: [] as number[], commits: [] as number[] };
    for (let i = 0; i < IDLE_RUNS; i++) {
      const times = await this.probe(db, conn);
      if (times.readMs !== undefined) idle.reads.push(times.readMs);
      if (times.commitMs !== undefined) idle.commits.push(times.commitMs);
    }
    this.pacing.calibrate(idle);
  }

  /** How long the next batch should take, given the configured target. */
  batchMs(targetBatchMs: number): number {
    return this.watching ? this.pacing.batchMs(targetBatchMs) : targetBatchMs;
  }

  record(rows: number): void {
    this.rows += rows;
  }

  /**
   * Waits as long as the measurements ask, measured through the worker's connection (`db` for
   * reads, `conn` for the commit probe's transaction) after a batch that took `lastBatchMs` (0 before
   * the first); returns the reason it waited, or null.
   */
  async pace(db: Queryable, conn: WorkerConnection, lastBatchMs: number): Promise<string | null> {
    const reasons: string[] = [];
    const { maxReplicationLagMs, maxRowsPerSecond } = this.options;
    if (maxReplicationLagMs > 0) {
      for (let waited = 0; ; waited++) {
        const lag = await replicationLagMs(db);
        if (lag <= maxReplicationLagMs) break;
        if (waited === 0) reasons.push(`replication lag ${(lag / 1000).toFixed(1)}s > ${(maxReplicationLagMs / 1000).toFixed(1)}s`);
        await sleep(500);
      }
    }
    if (this.watching && lastBatchMs > 0) {
      const felt = this.pacing.observe(await this.probe(db, conn));
      const share = this.pacing.share;
      if (share < 1) reasons.push(`pace ${Math.round(share * 100)}%${felt.length ? ` (${felt.join(', ')})` : ''}`);
      await sleep(this.pacing.pauseMs(lastBatchMs));
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

  /** Runs the probes that are on. */
  private async probe(db: Queryable, conn: WorkerConnection): Promise<ProbeTimes> {
    const { probeSql, commitProbe } = this.options;
    return {
      ...(probeSql !== null && { readMs: await timed(db, probeSql) }),
      ...(commitProbe && { commitMs: await commitTime(conn, this.probeWrite) }),
    };
  }
}
