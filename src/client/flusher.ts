import type { Queryable } from '../db/executor.js';
import { appliedPercent } from './decision.js';
import type { RequestCounts } from '../slo/requestCounts.js';
import { addServiceMinutes } from '../slo/serviceMinutesStore.js';
import type { Evidence } from './evidence.js';
import { addMetrics, insertMismatches, upsertInstances } from './evidenceStore.js';
import type { RoutingState } from '../stages/routing.js';
import type { RoutingWatcher } from './routingWatcher.js';
import type { ClientLogger } from './spec.js';

/**
 * Called after each flush with the id of every migration the instance routes: where guards that
 * judge the fresh evidence plug in: the guards (src/stages/guards.ts), then createMidair's `afterFlush`.
 */
export type AfterFlush = (migrationId: number) => Promise<void> | void;

/**
 * Writes an instance's evidence and its service's request counts to the control schema in the background, every `intervalMs`
 * (an unref'd timer: it never keeps the process alive), and once more on close. Evidence it
 * cannot write is kept and written with the next flush that can.
 */
export class EvidenceFlusher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failing = false;

  constructor(
    private readonly db: Queryable,
    private readonly memory: { evidence: Evidence; requests: RequestCounts },
    private readonly watcher: RoutingWatcher,
    private readonly instance: { id: string; service: string },
    private readonly intervalMs: number,
    private readonly afterFlush: readonly AfterFlush[],
    private readonly logger: ClientLogger,
    /** Called once after each flush, after the afterFlush hooks: the service's own guards (the budget guard). */
    private readonly afterEveryFlush: () => Promise<void> = async () => {},
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Flushes now (after the flush under way, if any). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.write().finally(() => (this.running = null));
    await this.running;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    const states = this.watcher.states();
    // Independent writes: request counts the control schema cannot take (a role without INSERT on
    // service_minutes) must not hold back the evidence the guards judge, nor the evidence the counts.
    const countsError = await this.writeCounts();
    const evidenceError = await this.writeEvidence(states);
    const error = countsError ?? evidenceError;
    if (error) {
      if (!this.failing) this.logger.warn(`midair: cannot write evidence to the control schema (${error.message}); keeping it in memory until it can`);
      this.failing = true;
    } else {
      if (this.failing) this.logger.warn('midair: evidence is written to the control schema again');
      this.failing = false;
    }
    if (!evidenceError) await this.runAfterFlush(states);
    // The budget guard runs even when the counts could not be written: it reads other instances' counts
    // or Prometheus, and says by itself when it cannot judge.
    await this.runAfterEveryFlush();
  }

  /** The request counts, put back for the next flush when they cannot be written. */
  private async writeCounts(): Promise<Error | null> {
    const requests = this.memory.requests.take();
    try {
      await addServiceMinutes(this.db, this.instance.service, requests);
      return null;
    } catch (error) {
      this.memory.requests.restore(requests);
      return error as Error;
    }
  }

  /** The migrations' evidence: what was written stays written, only what is left is put back on a failure. */
  private async writeEvidence(states: RoutingState[]): Promise<Error | null> {
    const batch = this.memory.evidence.take();
    try {
      await addMetrics(this.db, this.instance.id, batch.counters);
      batch.counters = [];
      await insertMismatches(this.db, this.instance.id, batch.mismatches);
      batch.mismatches = [];
      await upsertInstances(this.db, this.instance, states.map((s) => ({
        migrationId: s.migrationId, stage: s.stage, rampPercent: appliedPercent(s), oldUsedAt: batch.oldUsedAt.get(s.migrationId) ?? null,
      })));
      return null;
    } catch (error) {
      this.memory.evidence.restore(batch);
      return error as Error;
    }
  }

  private async runAfterFlush(states: RoutingState[]): Promise<void> {
    for (const state of states) {
      for (const hook of this.afterFlush) {
        try {
          await hook(state.migrationId);
        } catch (error) {
          this.logger.warn(`midair: afterFlush of migration "${state.migration}" failed: ${(error as Error).message}`);
        }
      }
    }
  }

  private async runAfterEveryFlush(): Promise<void> {
    try {
      await this.afterEveryFlush();
    } catch (error) {
      this.logger.warn(`midair: the guards of service "${this.instance.service}" failed: ${(error as Error).message}`);
    }
  }
}
