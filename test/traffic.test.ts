import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { connect } from '../src/db/connect.js';
import type { Executor } from '../src/db/executor.js';
import { silentReporter } from '../src/lifecycle/context.js';
import { defineMigration, Midair, MidairError, MidairRefusal, op, type TrafficConfig } from '../src/index.js';
import { freshDatabase } from './support/databases.js';
import { aaCompares, compares, reportMetrics, soakedFor } from './support/trafficEvidence.js';

const ITEMS = `CREATE TABLE items (id integer PRIMARY KEY, price text NOT NULL, note text);
INSERT INTO items SELECT g, g::text, 'n' || g FROM generate_series(1, 300) g;`;

const cents = defineMigration({
  name: 'price_cents',
  operations: [op.alterColumn({ table: 'items', column: 'price', type: 'integer', up: 'price::integer', down: 'price::text' })],
});

export const BOUNDS: Required<TrafficConfig> = {
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

/** The error a promise rejects with (fails the test if it resolves). */
async function failure<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(type);
  return error as T;
}

describe('moving traffic: stages, gates, ramp and the kill switch (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Executor;
  let midair: Midair;
  let id: number;

  const migration = async () => (await db.query<{ stage: string; ramp: number; killed: Record<string, string> | null }>(
    `SELECT stage, ramp_percent::float8 AS ramp, killed FROM midair.migrations WHERE id = $1`, [id]))[0]!;
  const auditRows = () => db.query<{ action: string; from_stage: string; to_stage: string; details: Record<string, unknown> }>(
    `SELECT action, from_stage, to_stage, details FROM midair.audit_log WHERE action NOT IN ('start', 'expanded') ORDER BY id`);

  /** From start to shadow with a clean verification and enough clean compares to go live. */
  async function toShadow(): Promise<void> {
    await midair.backfill();
    await midair.verify();
    await midair.advance('price_cents', 'shadow');
    await reportMetrics(db, id, [compares('shadow', 500)]);
  }

  /** On to live at `percent`, soaked, with a clean window. */
  async function toLive(percent: number): Promise<void> {
    await toShadow();
    await midair.advance('price_cents', 'live', { percent });
    await soakedFor(db, id, 601);
    await reportMetrics(db, id, [compares('live', 200), { side: 'new', kind: 'read', calls: 200, stage: 'live' }]);
  }

  beforeAll(async () => {
    database = await freshDatabase('traffic');
    db = await connect({ database: database.url, embeddedDir: '', applicationName: 'midair-test' });
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    await db.exec(`DROP SCHEMA IF EXISTS midair CASCADE; DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;`);
    for (const { name } of await db.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'public_%'`)) await db.exec(`DROP SCHEMA "${name}" CASCADE`);
    await db.exec(ITEMS);
    const settings = { ...resolveConfig({}, { baseDir: process.cwd(), database: database.url, env: {} }), traffic: BOUNDS };
    midair = new Midair(db, settings, silentReporter);
    await midair.start(cents);
    id = (await db.query<{ id: number }>(`SELECT id::int AS id FROM midair.migrations`))[0]!.id;
  });

  it('goes expanded → shadow → live → ramp → rampdown → complete on one verification, each move audited', async () => {
    await toLive(10);
    expect(await midair.ramp('price_cents', 50)).toMatchObject({ fromPercent: 10, rampPercent: 50, changed: true });
    await soakedFor(db, id, 601);
    await midair.ramp('price_cents', 100);
    await soakedFor(db, id, 601);
    expect(await midair.advance('price_cents', 'rampdown')).toMatchObject({ from: 'live', stage: 'rampdown', rampPercent: 100 });
    expect(await midair.advance('price_cents', 'complete')).toMatchObject({ from: 'rampdown', stage: 'complete' });
    expect((await auditRows()).map((r) => [r.action, r.from_stage, r.to_stage])).toEqual([
      ['shadow', 'expanded', 'shadow'],
      ['live', 'shadow', 'live'],
      ['ramp', 'live', 'live'],
      ['ramp', 'live', 'live'],
      ['rampdown', 'live', 'rampdown'],
      ['complete', 'rampdown', 'complete'],
    ]);
  });
});
