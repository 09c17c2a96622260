import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMidair, type Midair, type ServiceConfig, type ServiceStatus } from '../src/index.js';
import { spawnClientApp, type ClientProcess } from './support/clientProcess.js';
import { dropRole, freshDatabase } from './support/databases.js';

/** The latency bound is far above what an immediate answer takes on a busy machine, and the slow route well above it. */
const UNDER_MS = 1000;
const SLOW = `/slow?ms=${UNDER_MS + 200}`;
const SERVICES: Record<string, ServiceConfig> = {
  shop: { availability: 99.9, latency: { percent: 99, underMs: UNDER_MS }, window: '30d' },
  checkout: { availability: 99.9, window: '30d' },
  ledger: { availability: 99.9, latency: { percent: 99, underMs: UNDER_MS } },
  lost: { availability: 99.9 },
  limited: { availability: 99.9 },
};
const WINDOW_MINUTES = 30 * 24 * 60;
const UNREACHABLE = 'postgres://postgres@127.0.0.1:1/nowhere';

/** `count` requests to /ok, with `failures` of them to /fail and `slow` to the slow route, spread out. */
function requests(count: number, failures: number, slow: number): string[] {
  const paths: string[] = Array.from({ length: count }, () => '/ok');
  for (let i = 0; i < failures; i++) paths[Math.floor(((i + 0.5) * count) / (failures + slow))] = '/fail';
  for (let i = failures; i < failures + slow; i++) paths[Math.floor(((i + 0.5) * count) / (failures + slow))] = SLOW;
  return paths;
}

/** Sends every request to the instance, ten at a time, and returns each status. */
async function send(app: ClientProcess, paths: string[]): Promise<number[]> {
  const port = await app.call<number>('port');
  const statuses: number[] = new Array(paths.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < paths.length; i = next++) {
      const response = await fetch(`http://127.0.0.1:${port}${paths[i]}`);
      await response.text();
      statuses[i] = response.status;
    }
  };
  await Promise.all(Array.from({ length: 10 }, lane));
  return statuses;
}

const expectedStatus = (path: string) => (path === '/fail' ? 500 : 200);

describe('the built-in SLI: application processes count their requests with midair.middleware() (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: pg.Client;
  /** The operator's handle, judging at `at`: the end of the minute the instances closed in, so every burn window holds their requests. */
  let operator: Midair;
  let at = new Date();
  const apps: ClientProcess[] = [];

  function instance(service: string, url = database.url): ClientProcess {
    const app = spawnClientApp(url, service, { script: 'test/support/sloApp.ts', args: [JSON.stringify(SERVICES)] });
    apps.push(app);
    return app;
  }

  async function statusAfterClosing(service: string, closing: ClientProcess[]): Promise<ServiceStatus> {
    await Promise.all(closing.map((app) => app.close()));
    at = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 60_000);
    const [status] = await operator.slo({ service });
    return status!;
  }

  beforeAll(async () => {
    database = await freshDatabase('slo_tracking');
    db = new pg.Client(database.url);
    await db.connect();
    operator = await createMidair({ database: database.url, services: SERVICES, now: () => at });
    // Installs the control schema; nothing was counted yet.
    expect((await operator.slo({ service: 'shop' }))[0]!.unknown).toBe('SLI unknown for service "shop": no requests tracked in the last 30d');
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await db?.end();
    await operator?.close();
    await database?.drop();
  });

  it('two instances with injected failures and slow answers: the SLI, budget and burn rates are what was injected', async () => {
    const [a, b] = [instance('shop'), instance('shop')];
    // 1000 requests: 2 fail (one per instance), 5 are slow (3 and 2).
    const sent = { a: requests(600, 1, 3), b: requests(400, 1, 2) };
    const [answeredA, answeredB] = await Promise.all([send(a!, sent.a), send(b!, sent.b)]);
    expect(answeredA).toEqual(sent.a.map(expectedStatus));
    expect(answeredB).toEqual(sent.b.map(expectedStatus));
    const status = await statusAfterClosing('shop', [a!, b!]);

    expect(status).toMatchObject({ service: 'shop', source: 'built-in', window: '30d', windowMinutes: WINDOW_MINUTES, unknown: null, fastBurn: false });
    const [availability, latency] = status.objectives;
    // Availability 99.9: error ratio 2/1000 = 0.002, twice the allowed 0.001: burn rate 2 in every window.
    // Budget 43200 min x 0.001 = 43.2 min; used 43200 x 0.002 = 86.4 min, 200%; left -43.2 min, -100%.
    expect(availability).toMatchObject({ kind: 'availability', objective: 99.9, events: { good: 998, total: 1000 } });
    expect(availability!.sli).toBeCloseTo(99.8, 10);
    expectBudget(availability!.budget, { budgetMinutes: 43.2, usedMinutes: 86.4, leftMinutes: -43.2, usedPercent: 200, leftPercent: -100 });
    expectBurnRates(availability!.burnRates, 2);
    // Latency 99% under 1000 ms: 5 of 1000 slow (the failures answered at once): ratio 0.005, half the allowed 0.01.
    // Budget 43200 x 0.01 = 432 min; used 43200 x 0.005 = 216 min, 50%; left 216 min, 50%.
    expect(latency).toMatchObject({ kind: 'latency', objective: 99, underMs: UNDER_MS, events: { good: 995, total: 1000 } });
    expect(latency!.sli).toBeCloseTo(99.5, 10);
    expectBudget(latency!.budget, { budgetMinutes: 432, usedMinutes: 216, leftMinutes: 216, usedPercent: 50, leftPercent: 50 });
    expectBurnRates(latency!.burnRates, 0.5);
    // A burn rate of 2 is far under 14.4 (1h and 5m) and 6 (6h and 30m): no alert fires.
    for (const objective of status.objectives) expect(objective.alerts.map((alert) => [alert.name, alert.factor, alert.firing])).toEqual([
      ['fast burn (1h and 5m)', expect.closeTo(14.4, 10), false],
      ['fast burn (6h and 30m)', expect.closeTo(6, 10), false],
    ]);
    expect(status.budgetLeftPercent).toBeCloseTo(-100, 10);
    // Both instances added to the same minute rows.
    const { rows } = await db.query(`SELECT sum(total)::int AS total, sum(good)::int AS good, sum(fast)::int AS fast FROM midair.service_minutes WHERE service = 'shop'`);
    expect(rows).toEqual([{ total: 1000, good: 998, fast: 995 }]);
  });

  it('a burst of failures burns the budget fast: both multi-window alerts fire', async () => {
    const app = instance('checkout');
    // 10 failures in 500: error ratio 0.02, burn rate 0.02 / 0.001 = 20 in every window: above 14.4 and above 6.
    const sent = requests(500, 10, 0);
    expect(await send(app, sent)).toEqual(sent.map(expectedStatus));
    const status = await statusAfterClosing('checkout', [app]);

    const [availability] = status.objectives;
    expect(availability!.events).toEqual({ good: 490, total: 500 });
    expectBurnRates(availability!.burnRates, 20);
    // Used 43200 x 0.02 = 864 min of 43.2: 2000%.
    expectBudget(availability!.budget, { budgetMinutes: 43.2, usedMinutes: 864, leftMinutes: -820.8, usedPercent: 2000, leftPercent: -1900 });
    expect(availability!.alerts.map((alert) => alert.firing)).toEqual([true, true]);
    expect(status.fastBurn).toBe(true);
  });

  it('an instance whose control database is unreachable serves every request, and says so once (and its budget guard, once)', async () => {
    const app = instance('lost', UNREACHABLE);
    const sent = requests(300, 3, 0);
    expect(await send(app, sent)).toEqual(sent.map(expectedStatus));
    // Several flushes fail (and the closing one): the outage is said once, not per flush nor per request.
    for (let i = 0; i < 3; i++) await app.call('flush');
    expect(await send(app, sent)).toEqual(sent.map(expectedStatus));
    await app.close();
    expect(app.log().match(/cannot write evidence/g)).toHaveLength(1);
    expect(app.log()).toMatch(/^midair: cannot write evidence to the control schema \(.*ECONNREFUSED.*\); keeping it in memory until it can$/m);
    // The budget guard, which runs after every flush, cannot judge either: said once too.
    expect(app.log().trim().split('\n')).toEqual([
      expect.stringMatching(/^midair: cannot write evidence to the control schema/),
      expect.stringMatching(/^midair: the budget guard of service "lost" cannot judge: .*ECONNREFUSED.*; it acts again once it can/),
    ]);
  });

  it('counts the control schema cannot take stay in memory, and are written, all of them, once it can', async () => {
    const warnings: string[] = [];
    // A flush interval no test reaches: only flushEvidence() writes.
    const ledger = await createMidair({ database: database.url, service: 'ledger', services: SERVICES, flushIntervalMs: 3_600_000, logger: { warn: (message) => warnings.push(message) } });
    try {
      await db.query('ALTER TABLE midair.service_minutes RENAME TO service_minutes_away');
      try {
        for (let i = 0; i < 4; i++) ledger.track({ ok: i !== 0, latencyMs: 5 });
        await ledger.flushEvidence();
        ledger.track({ ok: true, latencyMs: UNDER_MS + 1 });
        ledger.track({ ok: false });
        await ledger.flushEvidence();
      } finally {
        await db.query('ALTER TABLE midair.service_minutes_away RENAME TO service_minutes');
      }
      expect((await db.query(`SELECT count(*)::int AS n FROM midair.service_minutes WHERE service = 'ledger'`)).rows).toEqual([{ n: 0 }]);
      await ledger.flushEvidence();
      const { rows } = await db.query(`SELECT sum(total)::int AS total, sum(good)::int AS good, sum(fast)::int AS fast FROM midair.service_minutes WHERE service = 'ledger'`);
      expect(rows).toEqual([{ total: 6, good: 4, fast: 4 }]);
      expect(warnings.filter((w) => w.includes('cannot write evidence'))).toHaveLength(1);
      expect(warnings.filter((w) => w.includes('written to the control schema again'))).toHaveLength(1);
    } finally {
      await ledger.close();
    }
  });

  it('counts as an application role with only the privileges docs/slo.md lists', async () => {
    const role = `midair_tracker_${process.pid}`;
    await dropRole(role);
    await db.query(`CREATE ROLE ${role} LOGIN; GRANT USAGE ON SCHEMA midair TO ${role}; GRANT SELECT, INSERT, UPDATE ON midair.service_minutes TO ${role}`);
    const url = new URL(database.url);
    url.username = role;
    const warnings: string[] = [];
    const limited = await createMidair({ database: url.toString(), service: 'limited', services: SERVICES, flushIntervalMs: 3_600_000, logger: { warn: (message) => warnings.push(message) } });
    try {
      // Two flushes, nearly always within one minute: the second adds to the row the first wrote (ON CONFLICT DO UPDATE).
      for (let flush = 0; flush < 2; flush++) {
        limited.track({ ok: true, latencyMs: 1 });
        await limited.flushEvidence();
      }
    } finally {
      await limited.close();
      await db.query(`DROP OWNED BY ${role}`);
      await dropRole(role);
    }
    expect(warnings).toEqual([]);
    expect((await db.query(`SELECT sum(total)::int AS total FROM midair.service_minutes WHERE service = 'limited'`)).rows).toEqual([{ total: 2 }]);
  });

  it('a service the config does not declare: its requests are counted, none as fast, and that is said once', async () => {
    const warnings: string[] = [];
    const undeclared = await createMidair({ database: database.url, service: 'undeclared', services: SERVICES, flushIntervalMs: 3_600_000, logger: { warn: (message) => warnings.push(message) } });
    try {
      for (let i = 0; i < 3; i++) undeclared.track({ ok: true, latencyMs: 1 });
      await undeclared.flushEvidence();
    } finally {
      await undeclared.close();
    }
    expect(warnings).toEqual([
      'midair: service "undeclared" is not declared in the config\'s `services`: its requests are counted, none of them as fast; declare it with its objectives (docs/slo.md)',
    ]);
    expect((await db.query(`SELECT sum(total)::int AS total, sum(fast)::int AS fast FROM midair.service_minutes WHERE service = 'undeclared'`)).rows).toEqual([{ total: 3, fast: 0 }]);
  });

  it('without a service, track() and middleware() count nothing and warn once on the logger, never throwing', async () => {
    const warnings: string[] = [];
    const plain = await createMidair({ database: database.url, services: SERVICES, logger: { warn: (message) => warnings.push(message) } });
    try {
      plain.track({ ok: true, latencyMs: 3 });
      plain.track({ ok: false });
      let nexts = 0;
      const track = plain.middleware();
      const { createServer } = await import('node:http');
      const server = createServer((request, response) => track(request, response, () => (nexts++, response.end('served'))));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const port = (server.address() as { port: number }).port;
        const response = await fetch(`http://127.0.0.1:${port}/`);
        expect([response.status, await response.text(), nexts]).toEqual([200, 'served', 1]);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      expect(warnings).toEqual([
        'midair: requests are not counted for the SLI: this handle needs the name of the service it is an instance of, for midair.migration() and midair.track() (pass it when you create the handle: createMidair({ service: "accounts-api" }))',
      ]);
    } finally {
      await plain.close();
    }
  });
});

function expectBudget(actual: ServiceStatus['objectives'][number]['budget'], expected: Record<keyof typeof actual, number>): void {
  for (const [key, value] of Object.entries(expected)) expect([key, actual[key as keyof typeof actual]]).toEqual([key, expect.closeTo(value, 9)]);
}

function expectBurnRates(actual: Record<string, number | null>, rate: number): void {
  expect(Object.keys(actual)).toEqual(['5m', '30m', '1h', '6h', '3d']);
  for (const [window, value] of Object.entries(actual)) expect([window, value]).toEqual([window, expect.closeTo(rate, 9)]);
}
