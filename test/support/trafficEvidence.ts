import { bucketIndex } from '../../src/client/histogram.js';
import type { Queryable } from '../../src/db/executor.js';

/** One row of client metrics as an application instance would flush it (src/client/ writes the real ones). */
export interface MetricRow {
  side: 'old' | 'new';
  kind: 'read' | 'write' | 'compare';
  calls: number;
  errors?: number;
  mismatches?: number;
  stage: string;
  /** Every call took this long (the latency histogram has one bucket). */
  latencyMs?: number;
  /** The bucket started this long ago (default 1). */
  secondsAgo?: number;
  instance?: string;
}

/** Inserts client metrics for a migration, as if instances had reported them. */
export async function reportMetrics(db: Queryable, migrationId: number, rows: MetricRow[]): Promise<void> {
  for (const r of rows) {
    const latency = r.latencyMs === undefined || r.kind === 'compare' ? {} : { [String(bucketIndex(r.latencyMs))]: r.calls };
    await db.query(
      `INSERT INTO midair.client_metrics (migration_id, instance_id, bucket_start, stage, side, kind, calls, errors, mismatches, latency)
       VALUES ($1, $2, now() - make_interval(secs => $3::float8), $4, $5, $6, $7, $8, $9, $10)`,
      [migrationId, r.instance ?? 'app-1', r.secondsAgo ?? 1, r.stage, r.side, r.kind, r.calls, r.errors ?? 0, r.mismatches ?? 0, JSON.stringify(latency)],
    );
  }
}

/** Compares of old against new (side 'new'), `mismatches` of them different. */
export function compares(stage: string, calls: number, mismatches = 0, extra: Partial<MetricRow> = {}): MetricRow {
  return { side: 'new', kind: 'compare', calls, mismatches, stage, ...extra };
}

/** A/A compares (old against itself: side 'old'), measuring noise. */
export function aaCompares(stage: string, calls: number, mismatches: number): MetricRow {
  return { side: 'old', kind: 'compare', calls, mismatches, stage };
}

/** Makes the migration's current ramp step look `seconds` old, so the soak gate can be tested without waiting. */
export async function soakedFor(db: Queryable, migrationId: number, seconds: number): Promise<void> {
  await db.query(`UPDATE midair.migrations SET ramp_changed_at = now() - make_interval(secs => $2::float8) WHERE id = $1`, [migrationId, seconds]);
}
