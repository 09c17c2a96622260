import { bucketIndex } from '../../src/client/histogram.js';
import { resolveConfig } from '../../src/config/load.js';
import { connect } from '../../src/db/connect.js';
import type { Queryable } from '../../src/db/executor.js';
import { silentReporter } from '../../src/lifecycle/context.js';
import { defineMigration, Midair, op, type Migration, type TrafficConfig } from '../../src/index.js';
import { freshDatabase } from './databases.js';

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
  /** The ramp percentage the instance routed by (default: the migration's current one). */
  rampPercent?: number;
  /** The bucket started this long ago (default 1). */
  secondsAgo?: number;
  instance?: string;
}

/** Inserts client metrics for a migration, as if instances had reported them. */
export async function reportMetrics(db: Queryable, migrationId: number, rows: MetricRow[]): Promise<void> {
  for (const r of rows) {
    const latency = r.latencyMs === undefined || r.kind === 'compare' ? {} : { [String(bucketIndex(r.latencyMs))]: r.calls };
    await db.query(
      `INSERT INTO midair.client_metrics (migration_id, instance_id, bucket_start, stage, ramp_percent, side, kind, calls, errors, mismatches, latency)
       VALUES ($1, $2, now() - make_interval(secs => $3::float8), $4, coalesce($11, (SELECT ramp_percent FROM midair.migrations WHERE id = $1)), $5, $6, $7, $8, $9, $10)`,
      [migrationId, r.instance ?? 'app-1', r.secondsAgo ?? 1, r.stage, r.side, r.kind, r.calls, r.errors ?? 0, r.mismatches ?? 0, JSON.stringify(latency), r.rampPercent ?? null],
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

/**
 * A database for traffic tests: `reset` empties it, creates `items` (300 rows) and starts a
 * migration of it (price text -> integer cents) with the given traffic bounds.
 */
export async function openTrafficDatabase(label: string, bounds: Required<TrafficConfig>) {
  const database = await freshDatabase(label);
  const db = await connect({ database: database.url, embeddedDir: '', applicationName: 'midair-test' });
  return {
    url: database.url,
    db,
    async reset(migration: Migration = PRICE_CENTS): Promise<{ midair: Midair; id: number }> {
      const schemas = await db.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace WHERE nspname = 'midair' OR nspname LIKE 'public%'`);
      await db.exec(`${schemas.map((s) => `DROP SCHEMA "${s.name}" CASCADE;`).join(' ')} CREATE SCHEMA public;
        CREATE TABLE items (id integer PRIMARY KEY, price text NOT NULL, note text);
        INSERT INTO items SELECT g, g::text, 'n' || g FROM generate_series(1, 300) g;`);
      const settings = { ...resolveConfig({}, { baseDir: process.cwd(), database: database.url, env: {} }), traffic: bounds };
      const midair = new Midair(db, settings, silentReporter);
      await midair.start(migration);
      const [row] = await db.query<{ id: number }>(`SELECT id::int AS id FROM midair.migrations WHERE name = $1`, [migration.name]);
      return { midair, id: row!.id };
    },
    async close(): Promise<void> {
      await db.close();
      await database.drop();
    },
  };
}

/** price becomes integer cents: one changed column, up and down. */
export const PRICE_CENTS = defineMigration({
  name: 'price_cents',
  operations: [op.alterColumn({ table: 'items', column: 'price', type: 'integer', up: 'price::integer', down: 'price::text' })],
});

/** Bounds small enough for tests to reach with a few metric rows; the soak is passed with soakedFor. */
export const TEST_BOUNDS: Required<TrafficConfig> = {
  shadowSample: 1,
  minShadowCompares: 100,
  maxMismatchRate: 0.01,
  maxErrorRate: 0.02,
  maxP99Ratio: 2,
  windowSeconds: 60,
  minWindowCalls: 50,
  minSoakSeconds: 600,
  oldUnusedSeconds: 900,
};
