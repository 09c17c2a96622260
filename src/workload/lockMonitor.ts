import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';

export const LOCK_SAMPLE_MS = 20;

/**
 * Watches a server for simulated clients waiting on a lock: every LOCK_SAMPLE_MS it reads pg_locks
 * (waitstart, PostgreSQL 14+) for the clients' sessions and keeps the longest wait seen, overall and
 * per stage. A wait shorter than the interval can go unseen; a long one cannot.
 */
export class LockMonitor {
  maxWaitMs = 0;
  private readonly seen = new Set<string>();
  private readonly stageMax = new Map<string, number>();
  private running: Promise<void> | null = null;
  private stopping = false;

  private constructor(
    private readonly client: pg.Client,
    private readonly clientApplicationName: string,
    private readonly stage: () => string,
  ) {}

  static async open(url: string, clientApplicationName: string, stage: () => string): Promise<LockMonitor> {
    const client = new pg.Client({ connectionString: url, application_name: `${clientApplicationName} (lock monitor)` });
    client.on('error', () => {});
    await client.connect();
    return new LockMonitor(client, clientApplicationName, stage);
  }

  /** Distinct lock waits seen (a statement waiting across several samples counts once). */
  get waitsSeen(): number {
    return this.seen.size;
  }

  maxWaitIn(stage: string): number {
    return this.stageMax.get(stage) ?? 0;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    await this.client.end().catch(() => {});
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.sample();
      } catch {
        // A failed sample is a gap in the measurement, not a failure of the run.
      }
      await sleep(LOCK_SAMPLE_MS);
    }
  }

  private async sample(): Promise<void> {
    const { rows } = await this.client.query<{ pid: number; since: string; ms: number }>(
      `SELECT l.pid, l.waitstart::text AS since, (extract(epoch FROM clock_timestamp() - l.waitstart) * 1000)::float8 AS ms
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE NOT l.granted AND l.waitstart IS NOT NULL AND a.application_name = $1 AND a.datname = current_database()`,
      [this.clientApplicationName],
    );
    const stage = this.stage();
    for (const row of rows) {
      this.seen.add(`${row.pid}@${row.since}`);
      this.maxWaitMs = Math.max(this.maxWaitMs, row.ms);
      this.stageMax.set(stage, Math.max(this.stageMax.get(stage) ?? 0, row.ms));
    }
  }
}
