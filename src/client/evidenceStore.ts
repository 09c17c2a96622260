import type { Queryable } from '../db/executor.js';
import type { Counter, RecordedMismatch } from './evidence.js';

/**
 * Adds counters to midair.client_metrics. A bucket is flushed several times while it lasts (every
 * flush adds what came since), so a row that exists already is merged: counts add up and the
 * sparse latency histograms add up bucket by bucket.
 */
export async function addMetrics(db: Queryable, instanceId: string, counters: Counter[]): Promise<void> {
  if (counters.length === 0) return;
  await db.query(
    `INSERT INTO midair.client_metrics AS m (migration_id, instance_id, bucket_start, stage, ramp_percent, side, kind, calls, errors, mismatches, latency)
     SELECT r.migration_id, $1, to_timestamp(r.bucket_start), r.stage, r.ramp_percent, r.side, r.kind, r.calls, r.errors, r.mismatches, r.latency
       FROM jsonb_to_recordset($2::jsonb) AS r(migration_id bigint, bucket_start double precision, stage text, ramp_percent numeric, side text, kind text,
                                              calls bigint, errors bigint, mismatches bigint, latency jsonb)
     ON CONFLICT (migration_id, instance_id, bucket_start, side, kind) DO UPDATE SET
       calls = m.calls + EXCLUDED.calls,
       errors = m.errors + EXCLUDED.errors,
       mismatches = m.mismatches + EXCLUDED.mismatches,
       latency = (SELECT coalesce(jsonb_object_agg(e.i, e.n), '{}'::jsonb)
                    FROM (SELECT i, sum(n::bigint) AS n
                            FROM (SELECT * FROM jsonb_each_text(m.latency) UNION ALL SELECT * FROM jsonb_each_text(EXCLUDED.latency)) AS both_sides(i, n)
                           GROUP BY i) AS e)`,
    [
      instanceId,
      JSON.stringify(counters.map((c) => ({
        migration_id: c.migrationId, bucket_start: c.bucketStart, stage: c.stage, ramp_percent: c.rampPercent, side: c.side, kind: c.kind,
        calls: c.calls, errors: c.errors, mismatches: c.mismatches, latency: c.latency,
      }))),
    ],
  );
}

export async function insertMismatches(db: Queryable, instanceId: string, mismatches: RecordedMismatch[]): Promise<void> {
  if (mismatches.length === 0) return;
  await db.query(
    `INSERT INTO midair.client_mismatches (migration_id, at, instance_id, stage, key, old_value, new_value, aa)
     SELECT r.migration_id, to_timestamp(r.at / 1000.0), $1, r.stage, r.key, r.old_value, r.new_value, r.aa
       FROM jsonb_to_recordset($2::jsonb) AS r(migration_id bigint, at double precision, stage text, key text, old_value jsonb, new_value jsonb, aa boolean)`,
    [
      instanceId,
      // The values are JSON texts already: spliced in as JSON, not quoted again as strings.
      `[${mismatches.map((m) => `{"migration_id":${m.migrationId},"at":${m.at},"stage":${JSON.stringify(m.stage)},"key":${JSON.stringify(m.key)},"old_value":${m.oldValue},"new_value":${m.newValue},"aa":${m.aa}}`).join(',')}]`,
    ],
  );
}

export interface InstanceReport {
  migrationId: number;
  stage: string;
  rampPercent: number;
  /** Epoch ms, or null when this instance has not served the old shape since the last flush. */
  oldUsedAt: number | null;
}

/** Says that this instance is alive, which routing it applies, and when it last served the old shape. */
export async function upsertInstances(db: Queryable, instance: { id: string; service: string }, reports: InstanceReport[]): Promise<void> {
  if (reports.length === 0) return;
  await db.query(
    `INSERT INTO midair.client_instances AS i (migration_id, instance_id, service, stage, ramp_percent, last_seen, old_used_at)
     SELECT r.migration_id, $1, $2, r.stage, r.ramp_percent, now(), to_timestamp(r.old_used_at / 1000.0)
       FROM jsonb_to_recordset($3::jsonb) AS r(migration_id bigint, stage text, ramp_percent numeric, old_used_at double precision)
     ON CONFLICT (migration_id, instance_id) DO UPDATE SET
       service = EXCLUDED.service, stage = EXCLUDED.stage, ramp_percent = EXCLUDED.ramp_percent, last_seen = now(),
       old_used_at = greatest(i.old_used_at, EXCLUDED.old_used_at)`,
    [
      instance.id,
      instance.service,
      JSON.stringify(reports.map((r) => ({ migration_id: r.migrationId, stage: r.stage, ramp_percent: r.rampPercent, old_used_at: r.oldUsedAt }))),
    ],
  );
}
