import { BUCKET_SECONDS, COMPARED_WITH } from '../stages/evidence.js';
import type { RoutingState } from '../stages/routing.js';
import { appliedPercent } from './decision.js';
import { merge, record, type Histogram } from './histogram.js';
import type { Side } from './route.js';

export type CallKind = 'read' | 'write' | 'compare';

/** Mismatches stored per migration and instance: the first ones are the ones worth reading. */
export const MISMATCH_CAP = 100;

export interface Counter {
  migrationId: number;
  /** Epoch seconds of the bucket's start. */
  bucketStart: number;
  stage: string;
  /** The share of records this instance routed to the new shape (appliedPercent). */
  rampPercent: number;
  side: Side;
  kind: CallKind;
  calls: number;
  errors: number;
  mismatches: number;
  latency: Histogram;
}

export interface RecordedMismatch {
  migrationId: number;
  /** Epoch milliseconds. */
  at: number;
  stage: string;
  key: string;
  /** JSON texts, after the redact hook. */
  oldValue: string;
  newValue: string;
  aa: boolean;
}

/** What one flush takes away, and gives back when it cannot write it. */
export interface EvidenceBatch {
  counters: Counter[];
  mismatches: RecordedMismatch[];
  /** Per migration id: the last time (epoch ms) this instance served a request from the old shape. */
  oldUsedAt: Map<number, number>;
}

/**
 * The evidence of one instance in memory: the request path only adds to counters here; the
 * flusher takes them away and writes them to the control schema.
 */
export class Evidence {
  private counters = new Map<string, Counter>();
  private mismatches: RecordedMismatch[] = [];
  private oldUsedAt = new Map<number, number>();
  /** Mismatches kept per migration so far (stored or waiting), against MISMATCH_CAP. */
  private readonly mismatchesKept = new Map<number, number>();
  /** Per migration id: the step (stage and applied percentage) this instance routes by, and since when it counts it (epoch seconds). */
  private readonly stepSince = new Map<number, { step: string; at: number }>();

  /**
   * The counter of the current bucket. A change of stage, ramp or kill switch starts a new bucket at
   * once (its start is the change's time, not on the 5 s grid), so a bucket's counts always belong
   * to one step: the compares counted in shadow never merge into live's, nor 10%'s into 50%'s.
   */
  private counter(state: RoutingState, side: Side, kind: CallKind): Counter {
    const now = Date.now() / 1000;
    const rampPercent = appliedPercent(state);
    const step = `${state.stage}|${rampPercent}`;
    let since = this.stepSince.get(state.migrationId);
    // A step's first bucket starts when the instance starts counting it, never on the grid before:
    // gates judge a step by the buckets started since it began (ramp_changed_at).
    if (!since || since.step !== step) {
      since = { step, at: now };
      this.stepSince.set(state.migrationId, since);
    }
    const bucketStart = Math.max(Math.floor(now / BUCKET_SECONDS) * BUCKET_SECONDS, since.at);
    const id = `${state.migrationId}|${bucketStart}|${side}|${kind}`;
    let c = this.counters.get(id);
    if (!c) {
      c = { migrationId: state.migrationId, bucketStart, stage: state.stage, rampPercent, side, kind, calls: 0, errors: 0, mismatches: 0, latency: {} };
      this.counters.set(id, c);
    }
    return c;
  }

  /** A read or write of one side: served to the caller or read to compare. */
  call(state: RoutingState, side: Side, kind: 'read' | 'write', ms: number, failed: boolean): void {
    const c = this.counter(state, side, kind);
    c.calls++;
    if (failed) c.errors++;
    record(c.latency, ms);
  }

  /** A comparison of old with new, or of old with itself (A/A), filed where the evidence reader looks. */
  compared(state: RoutingState, aa: boolean, ms: number, outcome: 'equal' | 'mismatch' | 'error'): void {
    const c = this.counter(state, COMPARED_WITH[aa ? 'aa' : 'real'], 'compare');
    c.calls++;
    if (outcome === 'mismatch') c.mismatches++;
    if (outcome === 'error') c.errors++;
    record(c.latency, ms);
  }

  /** Whether one more mismatch of the migration is worth keeping (under the cap). */
  wantsMismatch(migrationId: number): boolean {
    return (this.mismatchesKept.get(migrationId) ?? 0) < MISMATCH_CAP;
  }

  mismatch(m: RecordedMismatch): void {
    if (!this.wantsMismatch(m.migrationId)) return;
    this.mismatchesKept.set(m.migrationId, (this.mismatchesKept.get(m.migrationId) ?? 0) + 1);
    this.mismatches.push(m);
  }

  servedOld(state: RoutingState): void {
    this.oldUsedAt.set(state.migrationId, Date.now());
  }

  take(): EvidenceBatch {
    const batch = { counters: [...this.counters.values()], mismatches: this.mismatches, oldUsedAt: this.oldUsedAt };
    this.counters = new Map();
    this.mismatches = [];
    this.oldUsedAt = new Map();
    return batch;
  }

  /** Puts back a batch the flusher could not write, merged with what came since. */
  restore(batch: EvidenceBatch): void {
    for (const c of batch.counters) {
      const id = `${c.migrationId}|${c.bucketStart}|${c.side}|${c.kind}`;
      const now = this.counters.get(id);
      if (!now) {
        this.counters.set(id, c);
        continue;
      }
      now.calls += c.calls;
      now.errors += c.errors;
      now.mismatches += c.mismatches;
      merge(now.latency, c.latency);
    }
    this.mismatches = [...batch.mismatches, ...this.mismatches];
    for (const [id, at] of batch.oldUsedAt) this.oldUsedAt.set(id, Math.max(at, this.oldUsedAt.get(id) ?? 0));
  }
}
