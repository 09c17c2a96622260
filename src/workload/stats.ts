import type { Side } from '../client/route.js';

export interface FailureSample {
  stage: string;
  /** The shape that served the failed request. */
  side: Side;
  message: string;
  /** How many failures had this message. */
  count: number;
}

/** The requests one shape served during a stage, as the application measured them. */
export interface SideRequests {
  requests: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
}

export interface StageRequests {
  requests: number;
  failed: number;
  p99Ms: number;
  /** Per shape: which one served a request is the client's routing decision. */
  sides: Record<Side, SideRequests>;
}

const MAX_SAMPLES = 10;
const SIDES: readonly Side[] = ['old', 'new'];

/** Value at quantile q of ascending `sorted` (nearest rank); 0 when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const round = (ms: number) => Math.round(ms * 100) / 100;
const sorted = (latencies: number[]) => Float64Array.from(latencies).sort();

interface Tally {
  requests: number;
  failed: number;
  latencies: number[];
}

const tally = (): Tally => ({ requests: 0, failed: 0, latencies: [] });

/** Counts and latencies of the simulated requests, overall, per stage and per shape, and what the failures said. */
export class RequestStats {
  total = 0;
  failed = 0;
  private readonly latencies: number[] = [];
  private readonly stages = new Map<string, Record<Side, Tally>>();
  private readonly failures = new Map<string, FailureSample>();

  record(stage: string, side: Side, ms: number, error?: unknown): void {
    let s = this.stages.get(stage);
    if (!s) this.stages.set(stage, (s = { old: tally(), new: tally() }));
    const t = s[side];
    this.total++;
    t.requests++;
    this.latencies.push(ms);
    t.latencies.push(ms);
    if (error === undefined) return;
    this.failed++;
    t.failed++;
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
    const known = this.failures.get(message);
    if (known) known.count++;
    else if (this.failures.size < MAX_SAMPLES) this.failures.set(message, { stage, side, message, count: 1 });
  }

  latency(): { p50Ms: number; p99Ms: number; maxMs: number } {
    const all = sorted(this.latencies);
    return { p50Ms: round(quantile(all, 0.5)), p99Ms: round(quantile(all, 0.99)), maxMs: round(all.at(-1) ?? 0) };
  }

  stage(stage: string): StageRequests {
    const s = this.stages.get(stage) ?? { old: tally(), new: tally() };
    const side = (t: Tally): SideRequests => {
      const l = sorted(t.latencies);
      return { requests: t.requests, failed: t.failed, p50Ms: round(quantile(l, 0.5)), p99Ms: round(quantile(l, 0.99)) };
    };
    const both = sorted([...s.old.latencies, ...s.new.latencies]);
    return {
      requests: s.old.requests + s.new.requests,
      failed: s.old.failed + s.new.failed,
      p99Ms: round(quantile(both, 0.99)),
      sides: Object.fromEntries(SIDES.map((k) => [k, side(s[k])])) as Record<Side, SideRequests>,
    };
  }

  failureSamples(): FailureSample[] {
    return [...this.failures.values()];
  }
}
