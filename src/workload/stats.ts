import type { Release } from './types.js';

export interface FailureSample {
  stage: string;
  release: Release;
  message: string;
  /** How many failures had this message. */
  count: number;
}

export interface StageRequests {
  requests: number;
  failed: number;
  p99Ms: number;
}

const MAX_SAMPLES = 10;

/** Value at quantile q of ascending `sorted` (nearest rank); 0 when empty. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Counts and latencies of the simulated requests, overall and per stage, and what the failures said. */
export class RequestStats {
  total = 0;
  failed = 0;
  private readonly latencies: number[] = [];
  private readonly stages = new Map<string, { requests: number; failed: number; latencies: number[] }>();
  private readonly failures = new Map<string, FailureSample>();

  record(stage: string, release: Release, ms: number, error?: unknown): void {
    let s = this.stages.get(stage);
    if (!s) this.stages.set(stage, (s = { requests: 0, failed: 0, latencies: [] }));
    this.total++;
    s.requests++;
    this.latencies.push(ms);
    s.latencies.push(ms);
    if (error === undefined) return;
    this.failed++;
    s.failed++;
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
    const known = this.failures.get(message);
    if (known) known.count++;
    else if (this.failures.size < MAX_SAMPLES) this.failures.set(message, { stage, release, message, count: 1 });
  }

  latency(): { p50Ms: number; p99Ms: number; maxMs: number } {
    const sorted = Float64Array.from(this.latencies).sort();
    const list = Array.from(sorted);
    return { p50Ms: round(quantile(list, 0.5)), p99Ms: round(quantile(list, 0.99)), maxMs: round(list.at(-1) ?? 0) };
  }

  stage(stage: string): StageRequests {
    const s = this.stages.get(stage);
    if (!s) return { requests: 0, failed: 0, p99Ms: 0 };
    return { requests: s.requests, failed: s.failed, p99Ms: round(quantile(Array.from(Float64Array.from(s.latencies).sort()), 0.99)) };
  }

  failureSamples(): FailureSample[] {
    return [...this.failures.values()];
  }
}
