import type { Queryable } from '../db/executor.js';
import { quantile, type Histogram } from '../client/histogram.js';
import type { Side } from '../client/route.js';
import type { Stage } from './stage.js';

/** What one shape served (reads and writes, returned to the caller or not) over a span of time. */
export interface SideEvidence {
  calls: number;
  errors: number;
  /** errors / calls, or null with no calls. */
  errorRate: number | null;
  /** Latency percentiles of its reads and writes in milliseconds, or null with no calls. */
  p50: number | null;
  p99: number | null;
}

/** Comparisons of the two shapes' answers to the same read. */
export interface CompareEvidence {
  compares: number;
  /** Compares that could not be judged (the `compare` function threw, or the compared side failed). */
  errors: number;
  mismatches: number;
  /** mismatches / compares, or null with no compares. */
  mismatchRate: number | null;
}

/** What the application clients reported about a migration over a span of time (gates and guards judge it). */
export interface Evidence {
  /** The span: the last `windowSeconds`, or everything (null). */
  windowSeconds: number | null;
  /** Only buckets reported in this stage, or any (null). */
  stage: Stage | null;
  old: SideEvidence;
  new: SideEvidence;
  /** Old against new: what gates and guards judge. */
  compares: CompareEvidence;
  /** A/A compares (old against itself): the noise floor, never counted as mismatches of the migration. */
  aa: CompareEvidence;
  /** Instances that reported within the span. */
  instances: number;
}

/**
 * How the client reports, as this reader expects it (src/client/ writes midair.client_metrics):
 * rows of kind `read` and `write` count the calls a shape served under their `side`; rows of kind
 * `compare` count comparisons, under side `new` when old was compared with new, and under side
 * `old` in A/A mode, when old was compared with itself.
 */
export const COMPARED_WITH: Record<'real' | 'aa', Side> = { real: 'new', aa: 'old' };

/** The client keeps its counters in buckets of this many seconds (a step change starts a new one at once). */
export const BUCKET_SECONDS = 5;

export interface EvidenceSpan {
  /** The last N seconds: buckets that overlap them (on the database's clock); omit for everything. */
  windowSeconds?: number;
  stage?: Stage;
  /** Only what instances reported while routing this share of records to the new shape. */
  rampPercent?: number;
  /**
   * Only buckets started since this time (the current step's start, ramp_changed_at), less a
   * little for the instances' clocks: a step is judged on its own evidence.
   */
  since?: string;
}

/** How far an instance's clock may run behind the database's for its buckets still to count since a step began. */
const CLOCK_SLACK_SECONDS = 2;

function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** Aggregates a migration's client metrics over a span: per side, compares, latency percentiles, instances. */
export async function readEvidence(db: Queryable, migrationId: number, span: EvidenceSpan = {}): Promise<Evidence> {
  const params: unknown[] = [migrationId, span.windowSeconds ?? null, span.stage ?? null, span.rampPercent ?? null, span.since ?? null];
  const where = `migration_id = $1
    AND ($2::float8 IS NULL OR bucket_start > now() - make_interval(secs => $2::float8 + ${BUCKET_SECONDS}))
    AND ($3::text IS NULL OR stage = $3::text)
    AND ($4::numeric IS NULL OR ramp_percent = $4::numeric)
    AND ($5::timestamptz IS NULL OR bucket_start >= $5::timestamptz - make_interval(secs => ${CLOCK_SLACK_SECONDS}))`;
  const totals = await db.query<{ side: Side; kind: 'read' | 'write' | 'compare'; calls: string; errors: string; mismatches: string }>(
    `SELECT side, kind, sum(calls) AS calls, sum(errors) AS errors, sum(mismatches) AS mismatches
       FROM midair.client_metrics WHERE ${where} GROUP BY side, kind`,
    params,
  );
  // Histograms add up bucket by bucket, so the percentiles are those of every call in the span.
  const latency = await db.query<{ side: Side; bucket: string; n: string }>(
    `SELECT m.side, h.key AS bucket, sum(h.value::bigint) AS n
       FROM midair.client_metrics m, jsonb_each_text(m.latency) h
      WHERE ${where} AND kind IN ('read', 'write') GROUP BY m.side, h.key`,
    params,
  );
  const [instances] = await db.query<{ n: string }>(
    `SELECT count(DISTINCT instance_id) AS n FROM midair.client_metrics WHERE ${where}`,
    params,
  );

  const side = (s: Side): SideEvidence => {
    const rows = totals.filter((t) => t.side === s && t.kind !== 'compare');
    const calls = rows.reduce((sum, r) => sum + Number(r.calls), 0);
    const errors = rows.reduce((sum, r) => sum + Number(r.errors), 0);
    const histogram: Histogram = Object.fromEntries(latency.filter((l) => l.side === s).map((l) => [l.bucket, Number(l.n)]));
    return { calls, errors, errorRate: rate(errors, calls), p50: quantile(histogram, 0.5), p99: quantile(histogram, 0.99) };
  };
  const compares = (s: Side): CompareEvidence => {
    const row = totals.find((t) => t.side === s && t.kind === 'compare');
    const n = Number(row?.calls ?? 0);
    const mismatches = Number(row?.mismatches ?? 0);
    return { compares: n, errors: Number(row?.errors ?? 0), mismatches, mismatchRate: rate(mismatches, n) };
  };
  return {
    windowSeconds: span.windowSeconds ?? null,
    stage: span.stage ?? null,
    old: side('old'),
    new: side('new'),
    compares: compares(COMPARED_WITH.real),
    aa: compares(COMPARED_WITH.aa),
    instances: Number(instances?.n ?? 0),
  };
}

/** A rate for people: "0.12%", or "none" without samples. */
export function describeRate(value: number | null): string {
  if (value === null) return 'none';
  return `${(value * 100).toFixed(value !== 0 && value < 0.001 ? 3 : 2)}%`;
}
