import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMidair, type Midair } from '../src/index.js';
import { createUsers, fromOld, splitName } from './support/backfillFixture.js';
import { spawnClientApp, type AppliedRouting, type ClientProcess } from './support/clientProcess.js';
import { freshDatabase } from './support/databases.js';
import { changeRouting, type RoutingChange } from './support/routingControl.js';
import { eventually } from './support/until.js';

const KEYS = 10_000;

describe('application instances in processes of their own route one migration alike (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: pg.Client;
  let operator: Midair;
  let apps: ClientProcess[] = [];

  /** Applies a change and waits until every instance applied a routing that matches; returns how long each took after the commit. */
  async function changeEverywhere(change: RoutingChange, match: (r: AppliedRouting) => boolean): Promise<number[]> {
    const before = Date.now();
    const committed = await changeRouting(database.url, 'split', change);
    const applied = await Promise.all(apps.map((app) => app.applied(match, before)));
    return applied.map((r) => r.at - committed);
  }

  const routedNew = (app: ClientProcess) => app.call<number[]>('newKeys', { from: 1, to: KEYS + 1 });

  beforeAll(async () => {
    database = await freshDatabase('client_processes');
    db = new pg.Client(database.url);
    await db.connect();
    await createUsers(db, 1000);
    operator = await createMidair({ database: database.url });
    await operator.start(splitName);
    await operator.backfill();
    apps = ['a', 'b', 'c'].map((n) => spawnClientApp(database.url, `app-${n}`));
    await Promise.all(apps.map((app) => app.applied((r) => r.stage === 'expanded', 0)));
  });

  // Each test starts from the same routing (expanded, 0%, no kill switch, no canary) and empty
  // metrics, whatever the tests before it left: each one stands alone, in any order.
  beforeEach(async () => {
    await db.query('DELETE FROM midair.canary_keys');
    const before = Date.now();
    await changeRouting(database.url, 'split', { stage: 'expanded', percent: 0, killed: null });
    const baseline = (r: AppliedRouting) => r.stage === 'expanded' && r.rampPercent === 0 && !r.killed && r.canary.length === 0;
    // An instance already there applies nothing new: only the others are waited for.
    await Promise.all(apps.map((app) => (baseline(app.routings.at(-1)!) ? null : app.applied(baseline, before))));
    await Promise.all(apps.map((app) => app.call('flush')));
    await db.query('TRUNCATE midair.client_metrics, midair.client_mismatches');
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await db?.end();
    await operator?.close();
    await database?.drop();
  });

  it('every instance applies a stage change and a new percentage within a second of the commit', async () => {
    const toShadow = await changeEverywhere({ stage: 'shadow' }, (r) => r.stage === 'shadow');
    const toLive = await changeEverywhere({ stage: 'live', percent: 10 }, (r) => r.stage === 'live' && r.rampPercent === 10);
    const ramped = await changeEverywhere({ percent: 25 }, (r) => r.rampPercent === 25);
    for (const ms of [...toShadow, ...toLive, ...ramped]) expect(ms).toBeLessThan(1000);
  });

  it('as the percentage grows no record moves back, every instance agrees, and the share is within 2 points', async () => {
    let previous: number[] = [];
    for (const percent of [0, 10, 50, 100]) {
      await changeEverywhere({ stage: 'live', percent }, (r) => r.stage === 'live' && r.rampPercent === percent);
      const [a, b, c] = await Promise.all(apps.map(routedNew));
      expect(b).toEqual(a);
      expect(c).toEqual(a);
      expect(Math.abs(a!.length / KEYS * 100 - percent)).toBeLessThanOrEqual(2);
      const now = new Set(a);
      expect(previous.filter((key) => !now.has(key))).toEqual([]);
      previous = a!;
    }
    expect(previous).toHaveLength(KEYS);
  });

  it('canary records go to the new shape at 0%', async () => {
    await changeEverywhere({ stage: 'live', canary: ['42', '4242'] }, (r) => r.stage === 'live' && r.rampPercent === 0 && r.canary.length === 2);
    for (const keys of await Promise.all(apps.map(routedNew))) expect(keys).toEqual([42, 4242]);
  });

  it('the kill switch sends every record of every instance back to the old shape within a second', async () => {
    await changeEverywhere({ stage: 'live', percent: 50 }, (r) => r.stage === 'live' && r.rampPercent === 50);
    const killed = await changeEverywhere({ killed: { by: 'test', reason: 'kill switch drill' } }, (r) => r.killed);
    for (const ms of killed) expect(ms).toBeLessThan(1000);
    for (const keys of await Promise.all(apps.map(routedNew))) expect(keys).toEqual([]);
    await changeEverywhere({ killed: null }, (r) => !r.killed);
    for (const keys of await Promise.all(apps.map(routedNew))) expect(keys.length).toBeGreaterThan(KEYS * 0.4);
  });

  it('a row whose new shape was tampered with shows up in the mismatch log with its key, from every instance', async () => {
    await changeEverywhere({ stage: 'shadow' }, (r) => r.stage === 'shadow');
    await db.query(`SET session_replication_role = replica; UPDATE users SET first_name = 'Tampered' WHERE id = 7; SET session_replication_role = origin`);
    for (const app of apps) {
      for (let id = 1; id <= 20; id++) expect(await app.call('read', { id })).toBe((await db.query('SELECT name FROM users WHERE id = $1', [id])).rows[0].name);
      await app.call('flush');
    }
    const rows = (await db.query<{ key: string; instance_id: string }>(`SELECT key, old_value, new_value, stage, instance_id, aa FROM midair.client_mismatches ORDER BY id`)).rows;
    const name = (await db.query('SELECT name FROM users WHERE id = 7')).rows[0].name as string;
    expect(new Set(rows.map((r) => r.instance_id)).size).toBe(3);
    for (const row of rows) {
      expect(row).toMatchObject({ key: '7', stage: 'shadow', aa: false, old_value: name, new_value: ['Tampered', fromOld(name).last].filter(Boolean).join(' ') });
    }
    const [compares] = (await db.query(`SELECT sum(calls)::int AS calls, sum(mismatches)::int AS mismatches FROM midair.client_metrics WHERE kind = 'compare' AND stage = 'shadow'`)).rows;
    expect(compares).toEqual({ calls: 60, mismatches: 3 });
    await db.query(`UPDATE users SET name = name WHERE id = 7`); // an old-release write syncs the row again
  });

  it('an instance whose LISTEN connection is killed keeps routing, polls meanwhile, and listens again', async () => {
    const listening = async () =>
      (await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '%(midair listen)' AND query LIKE 'LISTEN%'`)).rows;
    expect(await listening()).toHaveLength(3);
    await db.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [(await listening()).map((r) => r.pid)]);
    // While they reconnect (or poll), a change still reaches every instance within a second.
    const whileDown = await changeEverywhere({ stage: 'live', percent: 30 }, (r) => r.stage === 'live' && r.rampPercent === 30);
    for (const ms of whileDown) expect(ms).toBeLessThan(1000);
    await eventually('three LISTEN connections again', async () => (await listening()).length === 3);
    const after = await changeEverywhere({ percent: 40 }, (r) => r.rampPercent === 40);
    for (const ms of after) expect(ms).toBeLessThan(1000);
    for (const app of apps) expect(app.log()).toMatch(/the connection listening for routing changes dropped/);
  });

  it('no acknowledged write is lost through shadow, ramp, kill, ramp, rampdown under load', async () => {
    await changeEverywhere({ stage: 'shadow' }, (r) => r.stage === 'shadow');
    // Each instance writes ids of its own, one write at a time per id, so the last acknowledged one must be in the row.
    await Promise.all(apps.map((app, i) => app.call('startWrites', { ids: Array.from({ length: 100 }, (_, k) => 1 + i * 100 + k), lanes: 4, tag: `w${i}x` })));
    const soak = async () => {
      const start = await Promise.all(apps.map((app) => app.call<{ writes: number }>('progress')));
      await eventually('writes at this step', async () => {
        const now = await Promise.all(apps.map((app) => app.call<{ writes: number }>('progress')));
        return now.every((p, i) => p.writes >= start[i]!.writes + 100);
      });
    };
    await soak();
    for (const percent of [10, 50]) {
      await changeEverywhere({ stage: 'live', percent }, (r) => r.stage === 'live' && r.rampPercent === percent);
      await soak();
    }
    await changeEverywhere({ killed: { by: 'test', reason: 'drill under load' } }, (r) => r.killed);
    await soak();
    await changeEverywhere({ killed: null, percent: 100 }, (r) => !r.killed && r.rampPercent === 100);
    await soak();
    await changeEverywhere({ stage: 'rampdown' }, (r) => r.stage === 'rampdown');
    await soak();
    const results = await Promise.all(apps.map((app) => app.call<{ acked: Record<string, string>; failed: Record<string, string>; errors: string[]; writes: number }>('stopWrites')));
    const rows = new Map((await db.query<{ id: number; name: string; first_name: string; last_name: string | null }>('SELECT id, name, first_name, last_name FROM users')).rows.map((r) => [r.id, r]));
    let checked = 0;
    for (const result of results) {
      expect(result.errors).toEqual([]);
      for (const [id, name] of Object.entries(result.acked)) {
        const row = rows.get(Number(id))!;
        expect({ id, name: row.name, first: row.first_name, last: row.last_name }).toEqual({ id, name, first: fromOld(name).first, last: fromOld(name).last });
        checked++;
      }
    }
    expect(checked).toBe(300);
    // Writes went through both shapes on the way, and the shapes agree row by row.
    const sides = (await db.query<{ side: string }>(`SELECT DISTINCT side FROM midair.client_metrics WHERE kind = 'write' ORDER BY side`)).rows.map((r) => r.side);
    expect(sides).toEqual(['new', 'old']);
    expect(await operator.verify()).toMatchObject({ mismatches: 0, unsynced: 0 });
    for (const keys of await Promise.all(apps.map(routedNew))) expect(keys).toHaveLength(KEYS);
  });
});
