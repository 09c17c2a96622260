import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMidair, defineMigration, MidairRefusal, op, type Midair, type ServiceConfig } from '../src/index.js';
import { tempDir } from './support/databases.js';
import { makeProject } from './support/project.js';
import { refusingUrl } from './support/receiver.js';
import { expectSuccess, jsonOf, runCli } from './support/runCli.js';
import { addMinutes } from './support/serviceMinutes.js';
import { compares, openTrafficDatabase, reportMetrics, soakedFor, TEST_BOUNDS } from './support/trafficEvidence.js';

/** The injected clock every budget is judged at; the minutes written are relative to it. */
const NOW = new Date('2026-12-01T12:00:00Z');
const API: Record<string, ServiceConfig> = { api: { availability: 99.9, window: '30d' } };

/** price becomes integer cents, a change of service "api". */
const PRICE_CENTS = defineMigration({
  name: 'price_cents',
  service: 'api',
  operations: [op.alterColumn({ table: 'items', column: 'price', type: 'integer', up: 'price::integer', down: 'price::text' })],
});

/** 99.9% over 30 days allows 43.2 minutes: 100,000 requests with `bad` failed 2 days ago leave 100 - bad / 1 % ... of it. */
const spent = (bad: number) => [{ minutesAgo: 2 * 1440, total: 100_000, good: 100_000 - bad }];

async function refusalOf(work: Promise<unknown>): Promise<MidairRefusal> {
  const error = await work.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(MidairRefusal);
  return error as MidairRefusal;
}

describe('the budget gate refuses risky moves on the service\'s error budget (real PostgreSQL, injected clock)', () => {
  let fixture: Awaited<ReturnType<typeof openTrafficDatabase>>;
  let midair: Midair;
  let id: number;

  const open = (services: Record<string, ServiceConfig> = API, extra: { minBudgetLeft?: number } = {}) =>
    createMidair({ database: fixture.url, services, slo: { minBudgetLeft: extra.minBudgetLeft ?? 25 }, traffic: TEST_BOUNDS, now: () => NOW });
  const budgetGateOf = async (to: string) => (await midair.gates('price_cents')).moves.find((m) => m.to === to)!.gates.find((g) => g.name === 'budget')!;
  const audit = (action: string) => fixture.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM midair.audit_log WHERE action = $1 ORDER BY id`, [action]);
  const toShadow = async () => {
    await midair.backfill();
    await midair.verify();
    await midair.advance('price_cents', 'shadow');
    await reportMetrics(fixture.db, id, [compares('shadow', 500)]);
  };
  /** Makes the current ramp step ready for a step up but for the budget: soaked, with a clean window. */
  const readyToStepUp = async () => {
    await soakedFor(fixture.db, id, 3600);
    await reportMetrics(fixture.db, id, [compares('live', 100)]);
  };

  beforeAll(async () => {
    fixture = await openTrafficDatabase('slogates', TEST_BOUNDS);
  });
  afterAll(async () => {
    await fixture?.close();
  });
  beforeEach(async () => {
    const reset = await fixture.reset(PRICE_CENTS);
    id = reset.id;
    midair = await open();
  });
  afterEach(async () => {
    await midair?.close();
  });

  it('refuses each risky move while budget left is under slo.minBudgetLeft, with the numbers and the hint; --force passes, on the record', async () => {
    // 90 of 100,000 requests failed: 38.88 of 43.2 minutes used, 10% left.
    await addMinutes(fixture.db, 'api', NOW, spent(90));
    await midair.backfill();
    await midair.verify();
    const numbers = { service: 'api', budgetLeftPercent: expect.closeTo(10, 6), minBudgetLeft: 25, fastBurn: false, alertsFiring: null };

    const complete = await refusalOf(midair.complete('price_cents'));
    expect(complete.reason).toBe('budget');
    expect(complete.message).toBe('service "api" has 10.0% of its availability error budget left over 30d (4.3 of 43.2 minutes), under slo.minBudgetLeft 25%: the budget gate refuses complete of migration "price_cents" now (2026-12-01T12:00:00.000Z)');
    expect(complete.hint).toBe('wait until old failures leave the 30d window (`midair slo --service api`), or run it now with --force --reason "<why>" (recorded in the audit log)');
    expect(complete.details).toEqual(numbers);
    expect(await budgetGateOf('complete')).toMatchObject({ passed: false, forceable: true, numbers });

    // Not risky: into shadow, a ramp step up to team.risk.rampAbove (10) and any step down.
    await midair.advance('price_cents', 'shadow');
    await reportMetrics(fixture.db, id, [compares('shadow', 500)]);
    const live = await refusalOf(midair.advance('price_cents', 'live', { percent: 5 }));
    expect(live.message).toContain('the budget gate refuses the move to live of migration "price_cents"');
    expect(live.details).toEqual(numbers);
    const forcedLive = await midair.advance('price_cents', 'live', { percent: 5, force: { reason: 'the budget burnt on an unrelated outage' } });
    expect(forcedLive.forced).toEqual({ reason: 'the budget burnt on an unrelated outage', overridden: [live.message] });
    expect((await audit('live'))[0]!.details).toMatchObject({ forced: { reason: 'the budget burnt on an unrelated outage', overridden: [live.message] } });

    await readyToStepUp();
    expect(await midair.ramp('price_cents', 10)).toMatchObject({ changed: true, forced: null });
    await readyToStepUp();
    const step = await refusalOf(midair.ramp('price_cents', 50));
    expect(step.reason).toBe('budget');
    expect(step.message).toContain('the budget gate refuses this ramp step of migration "price_cents"');
    expect(await budgetGateOf('ramp')).toMatchObject({ passed: false, numbers });
    expect(await midair.ramp('price_cents', 50, { force: { reason: 'step agreed with the SRE on call' } })).toMatchObject({ rampPercent: 50, forced: { overridden: [step.message] } });

    // The resume of a live migration above 10% is a ramp step too.
    await midair.kill('price_cents', { reason: 'operator check' });
    const resume = await refusalOf(midair.advance('price_cents', 'live', { percent: 50 }));
    expect(resume.message).toContain('the budget gate refuses this ramp step of migration "price_cents"');
    expect(await midair.advance('price_cents', 'live', { percent: 10 })).toMatchObject({ rampPercent: 10, forced: null });

    await readyToStepUp();
    await midair.ramp('price_cents', 100, { force: { reason: 'all green but the budget' } });
    await soakedFor(fixture.db, id, 3600);
    await midair.advance('price_cents', 'rampdown');
    await midair.verify();
    const fromRampdown = await refusalOf(midair.complete('price_cents'));
    expect(fromRampdown.message).toContain('the budget gate refuses complete of migration "price_cents"');
    await midair.complete('price_cents', { force: { reason: 'contract now, the old shape is unused' } });
    expect((await audit('complete'))[0]!.details).toMatchObject({ forced: { reason: 'contract now, the old shape is unused', overridden: [fromRampdown.message] } });
  });

  it('passes a healthy budget, and a budget left exactly at the bound; one more failed request refuses', async () => {
    await addMinutes(fixture.db, 'api', NOW, [{ minutesAgo: 90, total: 5000, good: 5000 }]);
    await toShadow();
    expect(await budgetGateOf('live')).toMatchObject({ passed: true, numbers: { service: 'api', budgetLeftPercent: 100, minBudgetLeft: 25, fastBurn: false, alertsFiring: null } });

    await fixture.db.exec('DELETE FROM midair.service_minutes');
    // 75 of 100,000 failed: 32.4 of 43.2 minutes used, 25% left (24.99999999999 in floating point).
    await addMinutes(fixture.db, 'api', NOW, spent(75));
    expect(await budgetGateOf('live')).toMatchObject({ passed: true, numbers: { budgetLeftPercent: expect.closeTo(25, 6) } });
    await addMinutes(fixture.db, 'api', NOW, [{ minutesAgo: 3 * 1440, total: 1, good: 0 }]);
    expect(await budgetGateOf('live')).toMatchObject({ passed: false, numbers: { budgetLeftPercent: expect.closeTo(24, 2) } });
    await midair.close();
    // slo.minBudgetLeft is the bound.
    midair = await open(API, { minBudgetLeft: 20 });
    expect(await midair.advance('price_cents', 'live', { percent: 5 })).toMatchObject({ stage: 'live', forced: null });
  });

  it('refuses on a fast burn even with most of the budget left', async () => {
    // Ten million good requests 10 days ago, then 2 minutes of nothing but failures: 1000x over 5m and 1h.
    // Before the burn: the budget guard would pause the backfill (sloGuard.test.ts).
    await toShadow();
    await addMinutes(fixture.db, 'api', NOW, [{ minutesAgo: 10 * 1440, total: 10_000_000, good: 10_000_000 }, { minutesAgo: 2, total: 300, good: 0 }, { minutesAgo: 1, total: 300, good: 0 }]);
    const refusal = await refusalOf(midair.advance('price_cents', 'live', { percent: 5 }));
    expect(refusal.reason).toBe('budget');
    const alerts = 'fast burn (1h and 5m) of availability: 1000.0x over 1h and 1000.0x over 5m, above 14.4x; fast burn (6h and 30m) of availability: 1000.0x over 6h and 1000.0x over 30m, above 6.0x';
    expect(refusal.message).toBe(`a fast burn of service "api" fires (${alerts}): the budget gate refuses the move to live of migration "price_cents" now (2026-12-01T12:00:00.000Z)`);
    expect(refusal.details).toEqual({ service: 'api', budgetLeftPercent: expect.closeTo(94, 1), minBudgetLeft: 25, fastBurn: true, alertsFiring: alerts });
    expect(refusal.hint).toContain('`midair slo --service api` shows the burn rates');
  });

  it('refuses while the SLI is unknown (Prometheus on a closed port): never a silent pass', async () => {
    await midair.close();
    const url = await refusingUrl();
    midair = await open({ api: { availability: 99.9, sli: { prometheus: { url, good: 'sum(rate(ok[$window]))', total: 'sum(rate(all[$window]))', timeoutMs: 2000 } } } });
    await toShadow();
    const refusal = await refusalOf(midair.advance('price_cents', 'live', { percent: 5 }));
    expect(refusal.reason).toBe('budget');
    expect(refusal.message).toMatch(/^SLI unknown for service "api": .*: the budget gate refuses the move to live of migration "price_cents"/);
    expect(refusal.details).toMatchObject({ service: 'api', budgetLeftPercent: null, fastBurn: false });
    expect(refusal.hint).toContain('make the SLI readable');
    expect(await midair.advance('price_cents', 'live', { percent: 5, force: { reason: 'Prometheus is being migrated' } })).toMatchObject({ stage: 'live' });
  });

  it('refuses while no requests were tracked over the whole window: a silent service is not a full budget', async () => {
    // Requests 31 days ago are outside the 30-day window.
    await addMinutes(fixture.db, 'api', NOW, [{ minutesAgo: 31 * 1440, total: 5000, good: 5000 }]);
    await toShadow();
    const refusal = await refusalOf(midair.advance('price_cents', 'live', { percent: 5 }));
    expect(refusal.reason).toBe('budget');
    expect(refusal.message).toBe('SLI unknown for service "api": no requests tracked in the last 30d: the budget gate refuses the move to live of migration "price_cents" now (2026-12-01T12:00:00.000Z)');
    expect(refusal.details).toMatchObject({ service: 'api', budgetLeftPercent: null, fastBurn: false });
    expect(refusal.hint).toMatch(/^is midair\.track\(\) or midair\.middleware\(\) running in the service's instances/);
    expect(await midair.advance('price_cents', 'live', { percent: 5, force: { reason: 'the service is new, no traffic yet' } })).toMatchObject({ stage: 'live' });
  });

  it('a service named but not declared is a clear refusal; without services, or a migration naming none, it passes', async () => {
    await midair.close();
    midair = await open({ web: { availability: 99 } });
    await toShadow();
    const refusal = await refusalOf(midair.advance('price_cents', 'live', { percent: 5 }));
    expect(refusal.reason).toBe('budget');
    expect(refusal.message).toBe('migration "price_cents" names service "api" (the migration file\'s "service"), which is not in services (declared: web)');
    expect(refusal.hint).toContain('declare it under services in midair.config.ts');
    await midair.close();
    midair = await open({});
    // Without services `midair gates` leaves the gate out, as it leaves out the people gates without a team.
    expect(await budgetGateOf('live')).toBeUndefined();
    expect(await midair.advance('price_cents', 'live', { percent: 5 })).toMatchObject({ stage: 'live' });
    await midair.close();
    midair = await open();
    await midair.rollback('price_cents');
    const unnamed = defineMigration({ ...PRICE_CENTS, name: 'price_cents_unnamed', service: undefined });
    await midair.start(unnamed);
    const complete = (await midair.gates('price_cents_unnamed')).moves.find((m) => m.to === 'complete')!;
    expect(complete.gates.find((g) => g.name === 'budget')).toMatchObject({ passed: true, numbers: { service: null } });
  });

  it('on the command line: the refusal exits 2 with refused "budget" and the numbers, `midair gates` shows them, --force --reason passes', async () => {
    const dir = tempDir('slo-gates-cli');
    try {
      makeProject(dir.path, { 'midair.config.mjs': `export default ${JSON.stringify({ traffic: TEST_BOUNDS, services: API })};\n` });
      const cli = (...args: string[]) => runCli(dir.path, [...args, '--database', fixture.url, '--json']);
      // The CLI judges at the real time now.
      await addMinutes(fixture.db, 'api', new Date(), spent(90));
      await toShadow();
      const refused = await cli('advance', 'price_cents', 'live', '--percent', '5');
      expect(refused.code).toBe(2);
      const numbers = { service: 'api', budgetLeftPercent: expect.closeTo(10, 6), minBudgetLeft: 25, fastBurn: false, alertsFiring: null };
      expect(jsonOf(refused)).toMatchObject({ ok: false, refused: 'budget', error: expect.stringContaining('service "api" has 10.0% of its availability error budget left over 30d'), hint: expect.stringContaining('--force --reason'), details: numbers });
      const gates = jsonOf<{ moves: { to: string; gates: { name: string; passed: boolean; numbers: unknown }[] }[] }>(expectSuccess(await cli('gates', 'price_cents'), 'gates'));
      expect(gates.moves.find((m) => m.to === 'live')!.gates.find((g) => g.name === 'budget')).toMatchObject({ passed: false, numbers });
      const forced = jsonOf(expectSuccess(await cli('advance', 'price_cents', 'live', '--percent', '5', '--force', '--reason', 'agreed with the SRE on call'), 'advance --force'));
      expect(forced).toMatchObject({ ok: true, stage: 'live', forced: { reason: 'agreed with the SRE on call', overridden: [expect.stringContaining('the budget gate refuses the move to live')] } });
    } finally {
      dir.remove();
    }
  });

  it('a risky start (raw SQL may touch any table; no team needed) is refused, and --force starts it on the record', async () => {
    // Raw SQL claims every table: the other migration goes first.
    await midair.rollback('price_cents');
    await addMinutes(fixture.db, 'api', NOW, spent(90));
    const raw = defineMigration({ name: 'note_comment', service: 'api', operations: [op.sql({ up: `COMMENT ON TABLE items IS 'x'`, down: 'COMMENT ON TABLE items IS NULL' })] });
    const refusal = await refusalOf(midair.start(raw));
    expect(refusal.reason).toBe('budget');
    expect(refusal.message).toContain('the budget gate refuses start (its raw SQL may touch any table) of migration "note_comment"');
    expect(await fixture.db.query(`SELECT 1 FROM midair.migrations WHERE name = 'note_comment'`)).toEqual([]);
    const started = await midair.start(raw, { force: { reason: 'a comment only' } });
    expect(started).toMatchObject({ stage: 'expanded', forced: { reason: 'a comment only', overridden: [refusal.message] } });
    expect((await fixture.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM midair.audit_log WHERE action = 'start' AND migration = 'note_comment'`))[0]!.details).toMatchObject({ forced: { reason: 'a comment only', overridden: [refusal.message] } });
  });
});
