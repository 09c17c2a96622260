import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { connect } from '../src/db/connect.js';
import type { Executor } from '../src/db/executor.js';
import { createMidair, defineMigration, MidairRefusal, op, type Midair, type ServiceConfig } from '../src/index.js';
import { enforceBudget } from '../src/slo/budgetGuard.js';
import { latestByName } from '../src/state/store.js';
import { spawnBackfill, type BackfillProcess } from './support/backfillProcess.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';
import { OWNERS, pagingTeam } from './support/pagingTeam.js';
import { REPO } from './support/project.js';
import { startReceiver, type Receiver } from './support/receiver.js';
import { addMinutes } from './support/serviceMinutes.js';
import { compares, openTrafficDatabase, reportMetrics, TEST_BOUNDS } from './support/trafficEvidence.js';
import { eventually, until } from './support/until.js';

const API: Record<string, ServiceConfig> = { api: { availability: 99.9, window: '30d' } };
const PRICE_CENTS = defineMigration({
  name: 'price_cents',
  service: 'api',
  owners: OWNERS,
  operations: [op.alterColumn({ table: 'items', column: 'price', type: 'integer', up: 'price::integer', down: 'price::text' })],
});
/** Two minutes of nothing but failures: 1000x over every burn window, both fast-burn alerts fire. */
const burning = [{ minutesAgo: 2, total: 300, good: 0 }, { minutesAgo: 1, total: 300, good: 0 }];
const WAITING = 'paused by the budget guard (fast burn of service "api")';

interface AuditRow {
  actor: string;
  details: Record<string, unknown>;
}

describe('the budget guard (real PostgreSQL, injected clock)', () => {
  const NOW = new Date('2026-12-01T12:00:00Z');
  let fixture: Awaited<ReturnType<typeof openTrafficDatabase>>;
  let others: Executor[] = [];
  let receiver: Receiver;
  let midair: Midair;

  const audit = (action: string, migration = 'price_cents') => fixture.db.query<AuditRow>(`SELECT actor, details FROM midair.audit_log WHERE action = $1 AND migration = $2 ORDER BY id`, [action, migration]);
  const record = async () => (await latestByName(fixture.db, 'price_cents'))!;

  beforeAll(async () => {
    fixture = await openTrafficDatabase('sloguard', TEST_BOUNDS);
    others = await Promise.all([1, 2, 3].map((i) => connect({ database: fixture.url, embeddedDir: '', applicationName: `instance-${i}` })));
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await Promise.all(others.map((o) => o.close()));
    await receiver?.close();
    await fixture?.close();
  });
  beforeEach(async () => {
    ({ midair } = await fixture.reset(PRICE_CENTS));
    receiver.received.length = 0;
  });

  it('pauses a backfill in progress once, however many processes judge at once; the audit row says why and that resuming is a person\'s call', async () => {
    const settings = { team: null, services: API };
    // A backfill under way: its table's checkpoint is not done.
    await fixture.db.query(`INSERT INTO midair.backfill_checkpoints (migration_id, table_name, rows_total) VALUES ($1, 'items', 300)`, [(await record()).id]);
    expect(await enforceBudget(fixture.db, settings, await record(), NOW)).toBeNull();
    await addMinutes(fixture.db, 'api', NOW, burning);

    const results = await Promise.all([fixture.db, ...others].map(async (db) => enforceBudget(db, settings, await record(), NOW)));
    expect(results.filter((r) => r!.paused)).toHaveLength(1);
    const alerts = ['fast burn (1h and 5m) of availability: 1000.0x over 1h and 1000.0x over 5m, above 14.4x', 'fast burn (6h and 30m) of availability: 1000.0x over 6h and 1000.0x over 30m, above 6.0x'];
    const reason = `budget guard: fast burn of service "api" (${alerts.join('; ')})`;
    expect(results[0]).toMatchObject({ migration: 'price_cents', stage: 'expanded', service: 'api', alerts, reason, pulled: false });
    const paused = await audit('backfill paused');
    expect(paused).toHaveLength(1);
    expect(paused[0]!.details).toEqual({
      guard: 'budget fast burn',
      service: 'api',
      alerts,
      burnRates: { availability: Object.fromEntries(['5m', '30m', '1h', '6h', '3d'].map((w) => [w, expect.closeTo(1000, 6)])) },
      reason,
      resume: "resuming is a person's decision once the burn is understood: `midair backfill resume price_cents`",
    });
    expect(await fixture.db.query(`SELECT paused, changed_by FROM midair.backfill_control`)).toEqual([{ paused: true, changed_by: 'the budget guard (fast burn of service "api")' }]);
    // Still burning, still paused: nothing more to do, nothing more written.
    expect(await enforceBudget(fixture.db, settings, await record(), NOW)).toMatchObject({ paused: false, pulled: false });
    expect(await audit('backfill paused')).toHaveLength(1);
  });

  it("pulls a live migration's kill switch (killed.auto 'budget fast burn', ramp back to 0), pages its people once, and a resume needs --force", async () => {
    await midair.backfill();
    await midair.verify();
    await midair.advance('price_cents', 'shadow');
    await reportMetrics(fixture.db, (await record()).id, [compares('shadow', 500)]);
    await midair.advance('price_cents', 'live', { percent: 30 });
    const guard = await createMidair({ database: fixture.url, services: API, team: pagingTeam([{ name: 'hook', kind: 'webhook', url: receiver.url('/hook') }]), now: () => NOW });
    try {
      expect(await guard.enforceBudget()).toEqual([]);
      await addMinutes(fixture.db, 'api', NOW, burning);
      const [enforced] = await guard.enforceBudget('price_cents');
      expect(enforced).toMatchObject({ migration: 'price_cents', stage: 'live', service: 'api', paused: false, pulled: true });
      expect(await record()).toMatchObject({ stage: 'live', rampPercent: 0, killed: { auto: 'budget fast burn', reason: enforced!.reason, fromPercent: 30 } });
      const kills = await audit('kill');
      expect(kills).toHaveLength(1);
      expect(kills[0]!.details).toMatchObject({ auto: 'budget fast burn', guard: 'budget fast burn', service: 'api', reason: enforced!.reason, fromPercent: 30, alerts: enforced!.alerts });
      const [page] = receiver.bodies('/hook');
      expect(page).toMatchObject({ event: 'guard fired', level: 'critical', migration: 'price_cents', stage: 'live', person: { id: 'alice' } });
      expect(page!.message).toBe(`${enforced!.reason}: the budget guard pulled the kill switch, every record goes to the old shape until \`midair advance price_cents live --force --reason "<why>"\``);
      // Pulled once: judging again changes nothing and pages nobody.
      expect(await guard.enforceBudget('price_cents')).toMatchObject([{ pulled: false, paused: false }]);
      expect(receiver.bodies('/hook')).toHaveLength(1);
    } finally {
      await guard.close();
    }
    const resume = await midair.advance('price_cents', 'live', { percent: 30 }).then(() => null, (e: unknown) => e);
    expect(resume).toBeInstanceOf(MidairRefusal);
    expect((resume as MidairRefusal).message).toContain('the guard "budget fast burn" pulled the kill switch of migration "price_cents"');
  });

  it('a backfill whose budget guard cannot judge goes on, and says so once, not before every batch', async () => {
    const warnings: string[] = [];
    let batches = 0;
    // Only Date is faked: each batch moves the clock 11 s on, past the guard's 10 s between rounds.
    vi.useFakeTimers({ toFake: ['Date'] });
    const reporter = { step() {}, warn: (message: string) => warnings.push(message), progress: () => (batches++, vi.setSystemTime(Date.now() + 11_000)) };
    // price_cents names service "api", which this config does not declare: the guard cannot judge it.
    const backfiller = await createMidair({ database: fixture.url, services: { other: { availability: 99.9 } }, backfill: { batchSize: 100 }, reporter });
    try {
      expect(await backfiller.backfill()).toMatchObject({ migration: 'price_cents' });
    } finally {
      vi.useRealTimers();
      await backfiller.close();
    }
    expect(batches).toBeGreaterThanOrEqual(2);
    expect(warnings).toEqual([
      'the budget guard of migration "price_cents" cannot judge: migration "price_cents" names service "api" (the migration file\'s "service"), which is not in services (declared: other); it acts again once it can (the gates refuse risky steps meanwhile)',
    ]);
  });

  it("an instance's budget guard that cannot judge says so once when that starts and once when it ends, not every round", async () => {
    const warnings: string[] = [];
    const prometheusDown: Record<string, ServiceConfig> = { api: { availability: 99.9, sli: { prometheus: { url: 'http://127.0.0.1:1', good: 'sum(good)', total: 'sum(all)' } } } };
    // Only Date is faked: the guard judges at most every 10 s, and each round here is 11 s after the one before.
    vi.useFakeTimers({ toFake: ['Date'] });
    const instance = (services: Record<string, ServiceConfig>) =>
      createMidair({ database: fixture.url, service: 'api', services, flushIntervalMs: 3_600_000, logger: { warn: (message) => warnings.push(message) } });
    const round = async (app: Midair) => {
      vi.setSystemTime(Date.now() + 11_000);
      await app.flushEvidence();
    };
    const app = await instance(API);
    const blind = await instance(prometheusDown);
    try {
      // A first request opens the instance's client; its count is written and judged before anything goes wrong.
      app.track({ ok: true });
      await app.flushEvidence();
      await fixture.db.exec('ALTER TABLE midair.service_minutes RENAME TO service_minutes_away');
      try {
        // Requests go on: their counts cannot be written either, and the guard judges all the same.
        for (let i = 0; i < 3; i++) {
          app.track({ ok: true });
          await round(app);
        }
      } finally {
        await fixture.db.exec('ALTER TABLE midair.service_minutes_away RENAME TO service_minutes');
      }
      for (let i = 0; i < 2; i++) await round(app);
      expect(warnings.filter((w) => w.includes('evidence'))).toEqual([
        'midair: cannot write evidence to the control schema (relation "midair.service_minutes" does not exist); keeping it in memory until it can',
        'midair: evidence is written to the control schema again',
      ]);
      expect(warnings.filter((w) => w.includes('budget guard'))).toEqual([
        'midair: the budget guard of service "api" cannot judge: relation "midair.service_minutes" does not exist; it acts again once it can (the gates refuse risky steps meanwhile)',
        'midair: the budget guard of service "api" judges again',
      ]);
      // An SLI that cannot be read is the same outage: said once, however many rounds it lasts.
      warnings.length = 0;
      blind.track({ ok: true });
      for (let i = 0; i < 3; i++) await round(blind);
      expect(warnings).toEqual([expect.stringMatching(/^midair: the budget guard of service "api" cannot judge: SLI unknown for service "api": Prometheus at http:\/\/127\.0\.0\.1:1 is unreachable: .*; it acts again once it can \(the gates refuse risky steps meanwhile\)$/)]);
    } finally {
      vi.useRealTimers();
      await app.close();
      await blind.close();
    }
  });
});

/** The issue's integration test: real application processes of the service burn its budget fast. */
describe('a fast burn by real application processes pauses a running backfill and pulls a ramp back (real processes)', () => {
  const ORDERS = defineMigration({
    name: 'orders_amount',
    service: 'api',
    owners: OWNERS,
    operations: [op.alterColumn({ table: 'orders', column: 'amount', type: 'integer', up: 'amount::integer', down: 'amount::text' })],
  });
  let database: TestDatabase;
  let db: Executor;
  let receiver: Receiver;
  let operator: Midair;
  let config: Record<string, unknown>;
  const children: ChildProcess[] = [];
  let backfill: BackfillProcess | null = null;

  const audit = (action: string, migration: string) => db.query<AuditRow>(`SELECT actor, details FROM midair.audit_log WHERE action = $1 AND migration = $2 ORDER BY id`, [action, migration]);
  const checkpoint = async () => (await db.query<{ done: boolean; rowsDone: number }>(`SELECT done, rows_done::int AS "rowsDone" FROM midair.backfill_checkpoints c JOIN midair.migrations m ON m.id = c.migration_id WHERE m.name = 'orders_amount'`))[0];
  const waitingProgress = () => backfill!.progress.find((p) => p.waiting && p.throttle === WAITING);

  /** An application instance of "api" whose every request fails (test/support/burningApp.ts). */
  async function burningApp(): Promise<ChildProcess> {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/support/burningApp.ts'), database.url, 'api', JSON.stringify(config)], { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await until(`the application process to track requests (stderr: ${err})`, () => {
      if (child.exitCode !== null) throw new Error(`the application process exited: ${err}`);
      return out.includes('"tracking":true');
    });
    return child;
  }

  beforeAll(async () => {
    database = await freshDatabase('sloguardprocs');
    db = await connect({ database: database.url, embeddedDir: '', applicationName: 'midair-test' });
    receiver = await startReceiver();
    // Alice logs in as this server's user: the backfill process acts as her, an owner (the team's paging is what counts here).
    config = { services: API, team: pagingTeam([{ name: 'hook', kind: 'webhook', url: receiver.url('/hook') }], { roles: { alice: 'postgres' } }) };
  });
  afterAll(async () => {
    await db?.close();
    await receiver?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    const schemas = await db.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace WHERE nspname = 'midair' OR nspname LIKE 'public%'`);
    await db.exec(`${schemas.map((s) => `DROP SCHEMA "${s.name}" CASCADE;`).join(' ')} CREATE SCHEMA public;
      CREATE TABLE items (id integer PRIMARY KEY, price text NOT NULL);
      INSERT INTO items SELECT g, g::text FROM generate_series(1, 300) g;
      CREATE TABLE orders (id integer PRIMARY KEY, amount text NOT NULL);
      INSERT INTO orders SELECT g, g::text FROM generate_series(1, 30000) g;`);
    // The operator has no team (the people rules are not what this tests); the services are the same.
    operator = await createMidair({ database: database.url, services: API, traffic: TEST_BOUNDS });
    receiver.received.length = 0;
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.stdin?.end();
      if (child.exitCode === null) await new Promise((resolve) => child.on('close', resolve));
    }
    if (backfill && backfill.child.exitCode === null) {
      backfill.child.kill('SIGTERM');
      await backfill.done;
    }
    backfill = null;
    await operator?.close();
  });

  it('a backfill run by itself pauses itself on a fast burn, and its progress says why', async () => {
    await operator.start(ORDERS);
    await addMinutes(db, 'api', new Date(), burning);
    backfill = spawnBackfill(database.url, { workers: 2, batchSize: 100, targetBatchMs: 50, maxRowsPerSecond: 500, config });
    await until(`the backfill to wait, saying why (progress: ${JSON.stringify(backfill.progress.slice(-3))})`, () => Boolean(waitingProgress()));
    expect(await checkpoint()).toMatchObject({ done: false, rowsDone: 0 });
    const paused = await audit('backfill paused', 'orders_amount');
    expect(paused).toHaveLength(1);
    expect(paused[0]!.details).toMatchObject({ guard: 'budget fast burn', service: 'api' });
    const page = await eventually('the page of the pause', () => receiver.bodies('/hook').find((b) => b.migration === 'orders_amount'));
    expect(page).toMatchObject({ event: 'guard fired', level: 'critical', stage: 'expanded' });
    expect(page.message).toContain("the budget guard paused the backfill (resuming is a person's decision: `midair backfill resume orders_amount`)");
  });

  it("application processes burning the budget fast pause the running backfill and pull the live migration's ramp back, once", async () => {
    await operator.start(PRICE_CENTS);
    await operator.backfill({ migration: 'price_cents' });
    await operator.verify('price_cents');
    await operator.advance('price_cents', 'shadow');
    const [{ id }] = await db.query<{ id: number }>(`SELECT id::int AS id FROM midair.migrations WHERE name = 'price_cents'`) as [{ id: number }];
    await reportMetrics(db, id, [compares('shadow', 500)]);
    // Clean requests two days ago: a known, healthy budget lets the step to live through the budget gate.
    await addMinutes(db, 'api', new Date(), [{ minutesAgo: 2 * 1440, total: 100_000, good: 100_000 }]);
    await operator.advance('price_cents', 'live', { percent: 30 });
    await operator.start(ORDERS);
    backfill = spawnBackfill(database.url, { workers: 2, batchSize: 100, targetBatchMs: 50, maxRowsPerSecond: 300, config, migration: 'orders_amount' });
    const run = backfill;
    await until('the backfill to make progress', async () => {
      if (run.child.exitCode !== null) throw new Error(`the backfill exited: ${(await run.done).stderr}`);
      return ((await checkpoint())?.rowsDone ?? 0) > 0;
    });

    await Promise.all([burningApp(), burningApp()]);
    await until('the kill switch of price_cents to be pulled by the budget guard', async () => {
      const [m] = await db.query<{ killed: { auto?: string } | null }>(`SELECT killed FROM midair.migrations WHERE name = 'price_cents'`);
      return m?.killed?.auto === 'budget fast burn';
    });
    await until(`the backfill to wait, saying why (last progress: ${JSON.stringify(backfill.progress.at(-1))})`, () => Boolean(waitingProgress()));

    const [live] = await db.query<{ ramp: number; killed: Record<string, unknown> }>(`SELECT ramp_percent::float8 AS ramp, killed FROM midair.migrations WHERE name = 'price_cents'`);
    expect(live).toMatchObject({ ramp: 0, killed: { auto: 'budget fast burn', fromPercent: 30 } });
    expect(String(live!.killed.reason)).toMatch(/^budget guard: fast burn of service "api" \(fast burn \(1h and 5m\) of availability: /);
    expect(await audit('kill', 'price_cents')).toHaveLength(1);
    expect(await audit('backfill paused', 'orders_amount')).toHaveLength(1);
    const rowsAtPause = (await checkpoint())!;
    expect(rowsAtPause.done).toBe(false);
    expect(rowsAtPause.rowsDone).toBeLessThan(30000);
    // The pages: one per migration, whichever process acted.
    await until('a page for each migration', () => ['price_cents', 'orders_amount'].every((m) => receiver.bodies('/hook').some((b) => b.migration === m)));
    for (const m of ['price_cents', 'orders_amount']) expect(receiver.bodies('/hook').filter((b) => b.migration === m && b.event === 'guard fired')).toHaveLength(1);
    // The requests the instances tracked are what the budget was judged on (the clean ones written two days ago aside).
    const [tracked] = await db.query<{ total: number; good: number }>(`SELECT sum(total)::int AS total, sum(good)::int AS good FROM midair.service_minutes WHERE service = 'api' AND minute > now() - interval '1 day'`);
    expect(tracked!.total).toBeGreaterThan(0);
    expect(tracked!.good).toBe(0);
  });
});
