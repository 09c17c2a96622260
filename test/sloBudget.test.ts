import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { connect } from '../src/db/connect.js';
import type { Executor } from '../src/db/executor.js';
import { alertFactor, alertStates, budgetOf, burnRate, errorRatio, FAST_BURN_ALERTS, type BurnWindow } from '../src/slo/budget.js';
import { builtinSource } from '../src/slo/builtinSource.js';
import { serviceStatus } from '../src/slo/status.js';
import { installControlSchema } from '../src/state/install.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';

// The budget arithmetic of docs/slo.md against figures computed by hand (each written next to its case).

const MONTH = 30 * 24 * 60; // 30 days = 43,200 minutes
const FOUR_WEEKS = 28 * 24 * 60; // 28 days = 40,320 minutes

describe('the budget arithmetic (pure)', () => {
  it('budget of 99.9% over 30 days is 43.2 minutes; 99.5% over 28 days is 201.6', () => {
    // 43,200 x (1 - 0.999) = 43.2; 40,320 x (1 - 0.995) = 201.6
    expect(budgetOf(99.9, MONTH, { good: 0, total: 0 }).budgetMinutes).toBeCloseTo(43.2, 9);
    expect(budgetOf(99.5, FOUR_WEEKS, { good: 0, total: 0 }).budgetMinutes).toBeCloseTo(201.6, 9);
  });

  it('half the budget used: minutes and percent, used and left', () => {
    // 5 bad of 10,000 = 0.0005; used = 43,200 x 0.0005 = 21.6 min = 21.6 / 43.2 = 50%; left 21.6 min, 50%
    const budget = budgetOf(99.9, MONTH, { good: 9_995, total: 10_000 });
    expect(budget.usedMinutes).toBeCloseTo(21.6, 9);
    expect(budget.leftMinutes).toBeCloseTo(21.6, 9);
    expect(budget.usedPercent).toBeCloseTo(50, 9);
    expect(budget.leftPercent).toBeCloseTo(50, 9);
  });

  it('an overspent budget goes below zero instead of stopping at it', () => {
    // 30 bad of 10,000 = 0.003; used = 43,200 x 0.003 = 129.6 min = 300% of 43.2; left 43.2 - 129.6 = -86.4 min, -200%
    const budget = budgetOf(99.9, MONTH, { good: 9_970, total: 10_000 });
    expect(budget.usedMinutes).toBeCloseTo(129.6, 9);
    expect(budget.usedPercent).toBeCloseTo(300, 9);
    expect(budget.leftMinutes).toBeCloseTo(-86.4, 9);
    expect(budget.leftPercent).toBeCloseTo(-200, 9);
  });

  it('no events spend nothing and have no error ratio nor burn rate', () => {
    // total 0: nothing to judge, so nothing used: left = the whole 43.2 minutes, 100%
    expect(errorRatio({ good: 0, total: 0 })).toBeNull();
    expect(burnRate({ good: 0, total: 0 }, 99.9)).toBeNull();
    expect(budgetOf(99.9, MONTH, { good: 0, total: 0 })).toMatchObject({ usedMinutes: 0, usedPercent: 0, leftPercent: 100 });
  });

  it('burn rate is the error ratio over the allowed share', () => {
    // 144 bad of 10,000 = 0.0144; / 0.001 = 14.4. At 99%: 0.0144 / 0.01 = 1.44. 10 bad of 10,000 at 99.9: 0.001 / 0.001 = 1
    expect(burnRate({ good: 9_856, total: 10_000 }, 99.9)).toBeCloseTo(14.4, 9);
    expect(burnRate({ good: 9_856, total: 10_000 }, 99)).toBeCloseTo(1.44, 9);
    expect(burnRate({ good: 9_990, total: 10_000 }, 99.9)).toBeCloseTo(1, 9);
  });

  it('the alert factors: 14.4 and 6 for 30 days, 13.44 and 5.6 for 28 days', () => {
    const [fast, slow] = FAST_BURN_ALERTS;
    // 2% of 43,200 min in 60 min: 0.02 x 43,200 / 60 = 14.4; 5% in 360 min: 0.05 x 43,200 / 360 = 6
    expect(alertFactor(fast!, MONTH)).toBeCloseTo(14.4, 9);
    expect(alertFactor(slow!, MONTH)).toBeCloseTo(6, 9);
    // 0.02 x 40,320 / 60 = 13.44; 0.05 x 40,320 / 360 = 5.6
    expect(alertFactor(fast!, FOUR_WEEKS)).toBeCloseTo(13.44, 9);
    expect(alertFactor(slow!, FOUR_WEEKS)).toBeCloseTo(5.6, 9);
  });

  it('an alert fires only when both its windows burn strictly above the factor', () => {
    const [fast, slow] = FAST_BURN_ALERTS.map((a) => alertFactor(a, MONTH)) as [number, number];
    const rates = (r: Partial<Record<BurnWindow, number | null>>) => ({ 5: 0, 30: 0, 60: 0, 360: 0, 4320: 0, ...r }) as Record<BurnWindow, number | null>;
    const firing = (r: Partial<Record<BurnWindow, number | null>>) => alertStates(rates(r), MONTH).map((a) => a.firing);
    // 1 h and 5 m both at 15 > 14.4: the first fires; 6 h and 30 m at 0: the second does not
    expect(firing({ 60: 15, 5: 15 })).toEqual([true, false]);
    // the long window alone (the burn has stopped), or the short one alone (a blip), pages nobody
    expect(firing({ 60: 15, 5: 1 })).toEqual([false, false]);
    expect(firing({ 60: 1, 5: 100 })).toEqual([false, false]);
    // exactly the factor is not above it
    expect(firing({ 60: fast, 5: fast, 360: slow, 30: slow })).toEqual([false, false]);
    // 6 h and 30 m at 6.1 > 6 fire the second, not the first (6.1 < 14.4)
    expect(firing({ 360: 6.1, 30: 6.1, 60: 6.1, 5: 6.1 })).toEqual([false, true]);
    // no events in a window never fires
    expect(firing({ 60: null, 5: 100 })).toEqual([false, false]);
    expect(alertStates(rates({}), MONTH).map((a) => a.factor)).toEqual([fast, slow]);
  });
});

describe('docs/slo.md', () => {
  it('the worked example: 43.2 minutes, 50% used, 300% when overspent, burn rates 15 and 25 fire the 14.4x alert', () => {
    // 10,000,000 requests, 5,000 failed: 0.0005 x 43,200 = 21.6 min = 50%; 30,000 failed: 129.6 min = 300%
    expect(budgetOf(99.9, MONTH, { good: 9_995_000, total: 10_000_000 })).toMatchObject({ budgetMinutes: expect.closeTo(43.2, 9), usedMinutes: expect.closeTo(21.6, 9), usedPercent: expect.closeTo(50, 9) });
    expect(budgetOf(99.9, MONTH, { good: 9_970_000, total: 10_000_000 })).toMatchObject({ usedMinutes: expect.closeTo(129.6, 9), leftMinutes: expect.closeTo(-86.4, 9), leftPercent: expect.closeTo(-200, 9) });
    // 1,500 of 100,000 in the hour: 0.015 / 0.001 = 15; 200 of 8,000 in 5 minutes: 0.025 / 0.001 = 25
    const hour = burnRate({ good: 98_500, total: 100_000 }, 99.9)!;
    const fiveMinutes = burnRate({ good: 7_800, total: 8_000 }, 99.9)!;
    expect([hour, fiveMinutes]).toEqual([expect.closeTo(15, 9), expect.closeTo(25, 9)]);
    const rates = { 5: fiveMinutes, 30: 0, 60: hour, 360: 0, 4320: 0 };
    expect(alertStates(rates, MONTH).map((a) => a.firing)).toEqual([true, false]);
    expect(alertStates({ ...rates, 5: 0 }, MONTH).map((a) => a.firing)).toEqual([false, false]);
  });

  it('the full example config is valid, with every field of a service', () => {
    const guide = readFileSync(new URL('../docs/slo.md', import.meta.url), 'utf8');
    const example = /### A full example config[\s\S]*?```ts\n([\s\S]*?)```/.exec(guide)![1]!;
    // The example is plain JavaScript once its import and export are taken away.
    const body = example.replace(/^import .*$/m, '').replace('export default defineConfig(', 'return (');
    const config = validateConfig(new Function(body)(), 'docs/slo.md');
    expect(Object.keys(config.services!)).toEqual(['accounts-api', 'billing-api']);
    expect(Object.keys(config.services!['billing-api']!).sort()).toEqual(['availability', 'latency', 'roles', 'sli', 'window']);
    expect(Object.keys(config.services!['billing-api']!.sli!.prometheus).sort()).toEqual(['bearerTokenEnv', 'fastGood', 'good', 'timeoutMs', 'total', 'url']);
    expect(config.slo).toEqual({ minBudgetLeft: 25 });
    expect(config.credentials!.stripe!.usedBy).toEqual(['billing-api']);
  });
});

describe('config: the window', () => {
  const windowError = (window: string) => {
    try {
      validateConfig({ services: { api: { availability: 99.9, window } } }, 'test');
    } catch (error) {
      return (error as Error).message;
    }
    return null;
  };

  it('is at least 7 days: the burn-rate alerts look back up to 3 days', () => {
    for (const short of ['24h', '1d', '6d', '10079m']) {
      expect(windowError(short)).toContain(`field "services.api.window": ${JSON.stringify(short)} is shorter than 7 days: the burn rates look back up to 3 days and the fast-burn alerts 6 hours, which make no sense in a shorter window; use e.g. "7d", "28d" or "30d"`);
    }
    for (const window of ['7d', '1w', '10080m', '168h', '4w', '30d']) expect(windowError(window)).toBeNull();
    expect(windowError('30 days')).toContain('field "services.api.window": "30 days" is not a window: write a number and a unit, e.g. "30d", "4w", "7d"');
  });
});

describe('serviceStatus with the built-in source at injected clocks', () => {
  let database: TestDatabase;
  let db: Executor;

  beforeAll(async () => {
    database = await freshDatabase('slo_budget');
    db = await connect({ database: database.url, embeddedDir: '' });
    await installControlSchema(db);
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  /** Rows of midair.service_minutes, one per minute from `from` (inclusive) to `to` (exclusive); every request timed unless `timed` says. */
  async function minutes(service: string, from: string, to: string, counts: { total: number; good: number; fast: number; timed?: number }): Promise<void> {
    await db.query(
      `INSERT INTO midair.service_minutes (service, minute, total, good, timed, fast)
       SELECT $1, m, $4, $5, $7, $6 FROM generate_series($2::timestamptz, $3::timestamptz - interval '1 minute', interval '1 minute') AS m`,
      [service, from, to, counts.total, counts.good, counts.fast, counts.timed ?? counts.total],
    );
  }

  it('a window that started mid-outage counts only the outage minutes inside it', async () => {
    // A 7-day window at 99% ending 2026-03-10 12:00 starts 2026-03-03 12:00. Every minute from 11:50 that
    // day has 100 requests; 11:50 to 12:10 on the 3rd all fail: 10 of those 20 minutes are inside.
    await minutes('ledger', '2026-03-03T11:50:00Z', '2026-03-10T12:00:00Z', { total: 100, good: 100, fast: 100 });
    await db.query(`UPDATE midair.service_minutes SET good = 0 WHERE service = 'ledger' AND minute < '2026-03-03T12:10:00Z'`);
    const status = await serviceStatus(db, 'ledger', { availability: 99, window: '7d' }, new Date('2026-03-10T12:00:00Z'));
    const [availability] = status.objectives;
    // Inside: 10,080 minutes x 100 = 1,008,000 requests, 10 x 100 = 1,000 bad: ratio 1/1,008.
    expect(availability!.events).toEqual({ good: 1_007_000, total: 1_008_000 });
    // SLI = 1,007,000 / 1,008,000 = 99.90079%; budget = 10,080 x 0.01 = 100.8 min; used = 10,080 / 1,008 = 10 min = 9.9206%
    expect(availability!.sli).toBeCloseTo(99.90079, 5);
    expect(availability!.budget.budgetMinutes).toBeCloseTo(100.8, 9);
    expect(availability!.budget.usedMinutes).toBeCloseTo(10, 9);
    expect(availability!.budget.usedPercent).toBeCloseTo(9.9206, 4);
    expect(status.budgetLeftPercent).toBeCloseTo(90.0794, 4);
    // The outage is older than the 3 days the longest burn rate looks back: every burn rate is 0.
    expect(Object.values(availability!.burnRates)).toEqual([0, 0, 0, 0, 0]);
    // Factors for a 7-day window: 0.02 x 10,080 / 60 = 3.36 and 0.05 x 10,080 / 360 = 1.4; nothing burns, so nothing fires.
    expect(availability!.alerts.map((a) => [a.factor, a.firing])).toEqual([[expect.closeTo(3.36, 9), false], [expect.closeTo(1.4, 9), false]]);
    expect(status).toMatchObject({ service: 'ledger', source: 'built-in', window: '7d', windowMinutes: 10_080, unknown: null, fastBurn: false });
  });

  it('a latency objective is judged on the requests answered under its bound; a fast burn fires on availability', async () => {
    // 60 minutes to 2026-03-10 12:00 with 100 requests each; the last 5 minutes: 80 succeed and 80 are fast.
    await minutes('search', '2026-03-10T11:00:00Z', '2026-03-10T11:55:00Z', { total: 100, good: 100, fast: 100 });
    await minutes('search', '2026-03-10T11:55:00Z', '2026-03-10T12:00:00Z', { total: 100, good: 80, fast: 80 });
    const now = new Date('2026-03-10T12:00:00Z');
    const status = await serviceStatus(db, 'search', { availability: 99.9, latency: { percent: 90, underMs: 300 } }, now);
    const [availability, latency] = status.objectives;
    expect(latency).toMatchObject({ kind: 'latency', objective: 90, underMs: 300, events: { good: 5_900, total: 6_000 } });
    // Latency: 100 slow of 6,000 = 1/60; SLI 98.333%; budget 43,200 x 0.1 = 4,320 min; used 43,200 / 60 = 720 min = 16.67%
    expect(latency!.sli).toBeCloseTo(98.3333, 4);
    expect(latency!.budget.usedMinutes).toBeCloseTo(720, 9);
    expect(latency!.budget.usedPercent).toBeCloseTo(16.667, 3);
    // Burn: 5 m 0.2 / 0.1 = 2; 30 m 100 / 3,000 / 0.1 = 0.333; 1 h (1/60) / 0.1 = 0.1667: under 14.4 and 6
    expect(latency!.burnRates['5m']).toBeCloseTo(2, 9);
    expect(latency!.burnRates['30m']).toBeCloseTo(0.3333, 4);
    expect(latency!.burnRates['1h']).toBeCloseTo(0.16667, 4);
    expect(latency!.alerts.every((a) => !a.firing)).toBe(true);
    // Availability: 5 m 0.2 / 0.001 = 200; 1 h (1/60) / 0.001 = 16.67 > 14.4: the first alert fires.
    // 30 m (1/30) / 0.001 = 33.3 and 6 h (only this hour has requests) 16.67, both > 6: the second too.
    expect(availability!.burnRates['5m']).toBeCloseTo(200, 6);
    expect(availability!.burnRates['1h']).toBeCloseTo(16.667, 3);
    expect(availability!.burnRates['6h']).toBeCloseTo(16.667, 3);
    expect(availability!.alerts.map((a) => a.firing)).toEqual([true, true]);
    expect(status.fastBurn).toBe(true);
    // The least budget left: availability used 720 min of 43.2 = 1,666.7%, left -1,566.7%.
    expect(status.budgetLeftPercent).toBeCloseTo(-1566.67, 1);
    // Half an hour later the 5-minute window has no requests: the first alert stops although the 1 h window still burns.
    const later = await serviceStatus(db, 'search', { availability: 99.9 }, new Date('2026-03-10T12:30:00Z'));
    expect(later.objectives[0]!.burnRates['5m']).toBeNull();
    expect(later.fastBurn).toBe(false);
  });

  it('the latency SLI is fast of the timed requests: requests tracked without a latency are not slow ones', async () => {
    // An hour of 100 requests a minute, 40 of them tracked with a latency, 38 of those fast: 95%, as the objective asks.
    await minutes('checkout', '2026-03-10T11:00:00Z', '2026-03-10T12:00:00Z', { total: 100, good: 100, timed: 40, fast: 38 });
    const status = await serviceStatus(db, 'checkout', { availability: 99.9, latency: { percent: 95, underMs: 300 } }, new Date('2026-03-10T12:00:00Z'));
    const latency = status.objectives[1]!;
    expect(latency.events).toEqual({ good: 2_280, total: 2_400 });
    expect(latency.sli).toBeCloseTo(95, 9);
    expect(latency.burnRates['5m']).toBeCloseTo(1, 9);
    expect(status.fastBurn).toBe(false);
    // Requests that all came without a latency say nothing about it: the latency SLI is unknown, never a full budget.
    await minutes('untimed', '2026-03-10T11:59:00Z', '2026-03-10T12:00:00Z', { total: 100, good: 100, timed: 0, fast: 0 });
    const untimed = await serviceStatus(db, 'untimed', { availability: 99.9, latency: { percent: 95, underMs: 300 } }, new Date('2026-03-10T12:00:00Z'));
    expect(untimed).toMatchObject({ unknown: 'SLI unknown for service "untimed": no request tracked with a latency in the last 30d', budgetLeftPercent: null });
    expect(untimed.hint).toMatch(/latencyMs/);
    // An instance of a Midair before timed, during a rolling upgrade, adds fast requests but no timed ones.
    await minutes('mixed', '2026-03-10T11:59:00Z', '2026-03-10T12:00:00Z', { total: 100, good: 100, timed: 40, fast: 90 });
    expect(await builtinSource(db, 'mixed').events('latency', new Date('2026-03-10T11:00:00Z'), new Date('2026-03-10T12:00:00Z'))).toEqual({ good: 40, total: 40 });
    expect(await builtinSource(db, 'untimed').minutes('latency', new Date('2026-03-10T11:00:00Z'), new Date('2026-03-10T12:00:00Z'))).toEqual([]);
  });

  it('an objective without requests leaves the others judged: availability burning fast fires while latency is unknown', async () => {
    // Ten minutes of untimed requests, half of them failing: availability burns 500x, latency has nothing to judge.
    await minutes('halfdown', '2026-03-10T11:50:00Z', '2026-03-10T12:00:00Z', { total: 100, good: 50, timed: 0, fast: 0 });
    const status = await serviceStatus(db, 'halfdown', { availability: 99.9, latency: { percent: 95, underMs: 300 } }, new Date('2026-03-10T12:00:00Z'));
    expect(status).toMatchObject({ unknown: 'SLI unknown for service "halfdown": no request tracked with a latency in the last 30d', budgetLeftPercent: null, fastBurn: true });
    expect(status.objectives.map((o) => o.kind)).toEqual(['availability']);
    expect(status.objectives[0]!.burnRates['5m']).toBeCloseTo(500, 9);
  });

  it('a control schema made before service_minutes had timed gets it on upgrade, its minutes all timed as they were judged', async () => {
    const database = await freshDatabase('slo_timed_upgrade');
    const old = await connect({ database: database.url, embeddedDir: '' });
    try {
      const { to } = await installControlSchema(old);
      // The schema as the version before made it: no timed column, one version back.
      await old.exec(`ALTER TABLE midair.service_minutes DROP COLUMN timed; UPDATE midair.schema_version SET version = ${to - 1}`);
      await old.query(`INSERT INTO midair.service_minutes (service, minute, total, good, fast) VALUES ('api', '2026-03-10T11:59:00Z', 100, 100, 90)`);
      expect(await installControlSchema(old)).toEqual({ from: to - 1, to });
      expect(await old.query(`SELECT total::int, timed::int, fast::int FROM midair.service_minutes`)).toEqual([{ total: 100, timed: 100, fast: 90 }]);
      await old.query(`INSERT INTO midair.service_minutes (service, minute) VALUES ('api', '2026-03-10T11:58:00Z')`);
      expect(await old.query(`SELECT timed::int FROM midair.service_minutes WHERE minute = '2026-03-10T11:58:00Z'`)).toEqual([{ timed: 0 }]);
    } finally {
      await old.close();
      await database.drop();
    }
  });

  it('no requests over the whole window is an unknown SLI with a hint, never a full budget', async () => {
    const status = await serviceStatus(db, 'quiet', { availability: 99.9 }, new Date('2026-03-10T12:00:00Z'));
    expect(status).toMatchObject({
      objectives: [],
      unknown: 'SLI unknown for service "quiet": no requests tracked in the last 30d',
      hint: "is midair.track() or midair.middleware() running in the service's instances (docs/client.md)? Until requests are counted, risky steps are refused unless forced",
      fastBurn: false,
      budgetLeftPercent: null,
    });
    // Requests outside the window (31 days ago) do not make it known.
    await minutes('quiet', '2026-02-07T12:00:00Z', '2026-02-07T12:05:00Z', { total: 100, good: 100, fast: 100 });
    expect((await serviceStatus(db, 'quiet', { availability: 99.9 }, new Date('2026-03-10T12:00:00Z'))).unknown).toMatch(/no requests tracked/);
  });

  it('requests somewhere in the window make the SLI known, even when the burn-rate windows have none', async () => {
    await minutes('rare', '2026-03-01T12:00:00Z', '2026-03-01T12:01:00Z', { total: 10, good: 10, fast: 10 });
    const status = await serviceStatus(db, 'rare', { availability: 99.9 }, new Date('2026-03-10T12:00:00Z'));
    expect(status).toMatchObject({ unknown: null, hint: null, budgetLeftPercent: 100 });
    expect(status.objectives[0]).toMatchObject({ sli: 100, events: { good: 10, total: 10 } });
    expect(Object.values(status.objectives[0]!.burnRates)).toEqual([null, null, null, null, null]);
  });
});
