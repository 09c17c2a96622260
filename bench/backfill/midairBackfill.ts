import type { BackfillProgress, Midair } from '../../src/index.js';
import type { Method } from './method.js';
import { splitName } from './usersTable.js';

/** What the backfill's progress reports said, for the bench's notes: batch sizes and throttle reasons. */
export class ProgressLog {
  batches = 0;
  maxBatch = 0;
  throttled = new Map<string, number>();

  record(p: BackfillProgress): void {
    if (p.rowsDone >= 0) this.batches++;
    this.maxBatch = Math.max(this.maxBatch, p.batchSize);
    // Reasons carry measured numbers; count them by their kind ("probe", "rate cap", ...).
    const kind = p.throttle?.replace(/[\d.]+\s*m?s/g, '').split(' ')[0];
    if (kind) this.throttled.set(kind, (this.throttled.get(kind) ?? 0) + 1);
  }

  take(): string {
    const throttle = [...this.throttled].map(([k, n]) => `${k} x${n}`).join(', ');
    const note = `${this.batches} batches up to ${this.maxBatch} rows${throttle ? `, throttled: ${throttle}` : ''}`;
    this.batches = 0;
    this.maxBatch = 0;
    this.throttled.clear();
    return note;
  }
}

/**
 * Midair's backfill on the started migration; its check is a verification (outside the timing), so
 * a fast figure can never come from a wrong result.
 */
export function midairBackfill(midair: Midair, log: ProgressLog, workers: number, throttled: boolean): Method {
  return {
    key: throttled ? `midairThrottled${workers}` : `midair${workers}`,
    label: `Midair, ${workers} worker${workers > 1 ? 's' : ''}${throttled ? ', default throttles' : ''}`,
    async prepare() {
      await midair.start(splitName);
    },
    async run() {
      log.take();
      await midair.backfill({ workers, throttle: throttled ? {} : { maxReplicationLagMs: 0, probeSql: null, commitProbe: false } });
      return log.take();
    },
    async check() {
      const check = await midair.verify();
      if (check.mismatches > 0 || check.unsynced > 0) {
        throw new Error(`verification after the backfill failed: ${check.mismatches} mismatches, ${check.unsynced} unsynced rows`);
      }
    },
    async cleanup() {
      await midair.rollback();
    },
  };
}
