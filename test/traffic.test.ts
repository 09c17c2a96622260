import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Executor } from '../src/db/executor.js';
import { defineMigration, Midair, MidairError, MidairRefusal } from '../src/index.js';
import { aaCompares, compares, openTrafficDatabase, PRICE_CENTS, reportMetrics, soakedFor, TEST_BOUNDS } from './support/trafficEvidence.js';


/** The error a promise rejects with (fails the test if it resolves). */
async function failure<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(type);
  return error as T;
}

describe('moving traffic: stages, gates, ramp and the kill switch (real PostgreSQL)', () => {
  let fixture: Awaited<ReturnType<typeof openTrafficDatabase>>;
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
    fixture = await openTrafficDatabase('traffic', TEST_BOUNDS);
    db = fixture.db;
  });
  afterAll(async () => {
    await fixture?.close();
  });
  beforeEach(async () => {
    ({ midair, id } = await fixture.reset());
  });

  it('goes expanded → shadow → live → ramp → rampdown → complete on one verification, each move audited', async () => {
    await toLive(10);
    expect(await midair.ramp('price_cents', 50)).toMatchObject({ fromPercent: 10, rampPercent: 50, changed: true });
    await soakedFor(db, id, 601);
    // Each step is judged on its own evidence: 10%'s compares do not open the step from 50%.
    expect((await failure(midair.ramp('price_cents', 100), MidairRefusal)).message).toMatch(/at 50% hold 0 compares/);
    await reportMetrics(db, id, [compares('live', 200, 0, { rampPercent: 10 })]);
    expect((await failure(midair.ramp('price_cents', 100), MidairRefusal)).message).toMatch(/at 50% hold 0 compares/);
    await reportMetrics(db, id, [compares('live', 200)]);
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

  it('to shadow: refused while rows are not backfilled, with the count; then open', async () => {
    const error = await failure(midair.advance('price_cents', 'shadow'), MidairRefusal);
    expect(error.reason).toBe('unsynced');
    expect(error.message).toBe('300 rows of migration "price_cents" are not backfilled yet, so the new shape would read them without their new values');
    expect((await migration()).stage).toBe('expanded');
    await midair.backfill();
    expect(await midair.advance('price_cents', 'shadow')).toMatchObject({ from: 'expanded', stage: 'shadow', rampPercent: 0 });
  });

  it('to shadow: a lazy migration needs no backfill first (rows not migrated yet are upcast on read)', async () => {
    await midair.rollback('price_cents');
    await midair.start(defineMigration({ ...PRICE_CENTS, name: 'price_cents_lazy', lazy: true }));
    expect(await midair.advance('price_cents_lazy', 'shadow')).toMatchObject({ from: 'expanded', stage: 'shadow' });
    expect((await midair.gates('price_cents_lazy')).moves.map((m) => [m.to, m.open, m.gates.map((g) => g.name)])).toEqual([['live', false, ['verified', 'shadow compares']]]);
  });

  it('to live: refused without a verification, with too few compares, with too many mismatches (A/A ones not counted); --force overrides on the record', async () => {
    await midair.backfill();
    await midair.advance('price_cents', 'shadow');
    expect((await failure(midair.advance('price_cents', 'live'), MidairRefusal)).message).toMatch(/was never verified/);
    await midair.verify();
    await reportMetrics(db, id, [compares('shadow', 60, 0), compares('expanded', 500, 0)]);
    const few = await failure(midair.advance('price_cents', 'live'), MidairRefusal);
    expect(few.reason).toBe('evidence');
    expect(few.message).toBe('migration "price_cents" has 60 compares in shadow, fewer than the 100 needed to go live (traffic.minShadowCompares)');
    await reportMetrics(db, id, [compares('shadow', 40, 2, { instance: 'app-2' }), aaCompares('shadow', 1000, 900)]);
    const mismatched = await failure(midair.advance('price_cents', 'live'), MidairRefusal);
    expect(mismatched.message).toBe('migration "price_cents" mismatched in 2.00% of its 100 compares in shadow, more than the 1.00% allowed (traffic.maxMismatchRate)');
    expect(mismatched.details).toMatchObject({ compares: 100, mismatches: 2, mismatchRate: 0.02 });
    expect((await migration()).stage).toBe('shadow');
    const forced = await midair.advance('price_cents', 'live', { percent: 5, force: { reason: 'the 2 are known, TICKET-1' } });
    expect(forced).toMatchObject({ stage: 'live', rampPercent: 5, forced: { reason: 'the 2 are known, TICKET-1', overridden: [mismatched.message] } });
    expect((await auditRows()).at(-1)).toMatchObject({ action: 'live', details: { rampPercent: 5, forced: { reason: 'the 2 are known, TICKET-1' } } });
  });

  it('a move that skips a stage, or goes back, is refused with the way forward', async () => {
    expect((await failure(midair.advance('price_cents', 'live'), MidairRefusal)).message).toBe('migration "price_cents" is expanded, so it cannot become live');
    expect((await failure(midair.advance('price_cents', 'rampdown'), MidairRefusal)).reason).toBe('stage');
    expect((await failure(midair.advance('price_cents', 'rolled_back'), MidairError)).message).toMatch(/only moves forward; .* goes back with `midair rollback price_cents`/);
    expect((await failure(midair.advance('price_cents', 'sideways'), MidairError)).hint).toBe('give one of: shadow, live, rampdown, complete');
    expect((await failure(midair.advance('price_cents', 'shadow', { percent: 10 }), MidairError)).message).toBe('--percent applies to a move to live, not to shadow');
  });

  it('ramp: a step up needs a soaked step and a clean window; a step down always goes; bad percentages are named', async () => {
    await toShadow();
    await midair.advance('price_cents', 'live', { percent: 10 });
    for (const bad of [-1, 101, 'abc', '12.345', '', '1e2']) {
      const error = await failure(midair.ramp('price_cents', bad), MidairError);
      expect(error).not.toBeInstanceOf(MidairRefusal);
      expect(error.message).toBe(`ramp percentage ${JSON.stringify(bad)} for migration "price_cents" is not a number from 0 to 100`);
    }
    const soak = await failure(midair.ramp('price_cents', 20), MidairRefusal);
    expect(soak.reason).toBe('soak');
    expect(soak.message).toMatch(/^migration "price_cents" has been at 10% for \d+s, less than the 600s it must soak at a step \(traffic.minSoakSeconds\)$/);
    await soakedFor(db, id, 601);
    const empty = await failure(midair.ramp('price_cents', 20), MidairRefusal);
    expect(empty.message).toBe('the last 60s of migration "price_cents" at 10% hold 0 compares, fewer than the 50 needed to judge a step up (traffic.minWindowCalls)');
    // Old evidence (outside the window) and evidence of another stage do not count.
    await reportMetrics(db, id, [compares('live', 500, 0, { secondsAgo: 120 }), compares('shadow', 500, 0)]);
    expect((await failure(midair.ramp('price_cents', 20), MidairRefusal)).message).toMatch(/hold 0 compares/);
    await reportMetrics(db, id, [compares('live', 100, 3)]);
    expect((await failure(midair.ramp('price_cents', 20), MidairRefusal)).message).toBe('the last 60s of migration "price_cents" at 10% mismatched in 3.00% of 100 compares, more than the 1.00% allowed (traffic.maxMismatchRate)');
    // Ramping down is allowed whatever the window and the soak.
    expect(await midair.ramp('price_cents', 5)).toMatchObject({ fromPercent: 10, rampPercent: 5, changed: true });
    expect(await midair.ramp('price_cents', 5)).toMatchObject({ changed: false });
    await db.exec(`DELETE FROM midair.client_metrics`);
    await soakedFor(db, id, 601);
    await reportMetrics(db, id, [compares('live', 100, 0), { side: 'new', kind: 'read', calls: 100, errors: 3, stage: 'live' }]);
    expect((await failure(midair.ramp('price_cents', 20), MidairRefusal)).message).toBe('the last 60s of migration "price_cents" at 5% had new-shape errors in 3.00% of 100 calls, more than the 2.00% allowed (traffic.maxErrorRate)');
    await reportMetrics(db, id, [{ side: 'new', kind: 'write', calls: 100, errors: 0, stage: 'live' }]);
    expect(await midair.ramp('price_cents', '12.5')).toMatchObject({ rampPercent: 12.5, changed: true });
    expect((await migration()).ramp).toBe(12.5);
  });

  it('to rampdown: needs 100% (not even --force skips it) and a soak there; ramp is refused outside live', async () => {
    await toLive(60);
    const notFull = await failure(midair.advance('price_cents', 'rampdown', { force: { reason: 'hurry' } }), MidairRefusal);
    expect(notFull.message).toBe('migration "price_cents" is at 60%, and rampdown needs 100%');
    await midair.ramp('price_cents', 100);
    expect((await failure(midair.advance('price_cents', 'rampdown'), MidairRefusal)).reason).toBe('soak');
    await soakedFor(db, id, 601);
    await midair.advance('price_cents', 'rampdown');
    expect((await failure(midair.ramp('price_cents', 50), MidairRefusal)).message).toBe('migration "price_cents" is rampdown; its ramp applies while live');
  });

  it('complete from rampdown: refused while an instance used the old shape lately, or while killed', async () => {
    await toLive(100);
    await midair.advance('price_cents', 'rampdown');
    await db.query(`INSERT INTO midair.client_instances (migration_id, instance_id, service, stage, ramp_percent, old_used_at)
      VALUES ($1, 'api-1', 'accounts-api', 'rampdown', 100, now() - interval '10 minutes'), ($1, 'api-2', 'accounts-api', 'rampdown', 100, now() - interval '2 hours')`, [id]);
    const inUse = await failure(midair.advance('price_cents', 'complete'), MidairRefusal);
    expect(inUse.reason).toBe('old in use');
    expect(inUse.message).toMatch(/^1 application instance\(s\) used the old shape of migration "price_cents" within the last 900s \(traffic.oldUnusedSeconds\): accounts-api api-1 \(60\ds ago\)$/);
    await db.query(`UPDATE midair.client_instances SET old_used_at = now() - interval '16 minutes' WHERE instance_id = 'api-1'`);
    await midair.kill('price_cents', { reason: 'drill' });
    const killed = await failure(midair.advance('price_cents', 'complete', { force: { reason: 'anyway' } }), MidairRefusal);
    expect(killed.reason).toBe('killed');
    expect(killed.hint).toBe('resume with `midair advance price_cents rampdown`, or roll back');
    expect(await midair.advance('price_cents', 'rampdown')).toMatchObject({ stage: 'rampdown', rampPercent: 100, released: { reason: 'drill' } });
    expect(await midair.advance('price_cents', 'complete')).toMatchObject({ stage: 'complete' });
  });

  it('the kill switch: ramp to 0 with who and why, notified; holds until advance to the current stage, which resumes up to the percentage it was pulled at', async () => {
    await toLive(40);
    const client = new pg.Client(fixture.url);
    await client.connect();
    const heard: string[] = [];
    client.on('notification', (n) => heard.push(n.payload ?? ''));
    await client.query('LISTEN midair_routing');
    try {
      expect((await failure(midair.kill('price_cents', { reason: '  ' }), MidairError)).message).toBe('kill of migration "price_cents" needs --reason "<why>"');
      const killed = await midair.kill('price_cents', { reason: 'orders look wrong' });
      expect(killed).toMatchObject({ stage: 'live', fromPercent: 40, alreadyKilled: false, killed: { reason: 'orders look wrong', by: expect.any(String) } });
      expect(await migration()).toMatchObject({ stage: 'live', ramp: 0, killed: { reason: 'orders look wrong' } });
      for (const deadline = Date.now() + 10_000; !heard.includes('price_cents') && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toContain('price_cents');
      expect(await midair.kill('price_cents', { reason: 'again' })).toMatchObject({ alreadyKilled: true, killed: { reason: 'orders look wrong' } });
      expect((await auditRows()).filter((r) => r.action === 'kill')).toEqual([
        { action: 'kill', from_stage: 'live', to_stage: 'live', details: { reason: 'orders look wrong', fromPercent: 40 } },
      ]);

      const ramp = await failure(midair.ramp('price_cents', 10), MidairRefusal);
      expect(ramp.reason).toBe('killed');
      expect(ramp.hint).toBe('`midair advance price_cents live --percent 10` resumes at 10% (up to the percentage the switch was pulled at), then ramp');
      // Killed instances compare nothing: an operator's kill resumes up to where it was pulled, no higher.
      const above = await failure(midair.advance('price_cents', 'live', { percent: 50 }), MidairRefusal);
      expect(above.message).toBe('migration "price_cents" was killed at 40%: resuming may go back up to that, not to 50%');
      expect((await failure(midair.advance('price_cents', 'rampdown'), MidairRefusal)).message).toBe('migration "price_cents" is at 0% (its kill switch holds: orders look wrong), and rampdown needs 100%');
      expect(await midair.advance('price_cents', 'live', { percent: 10 })).toMatchObject({ from: 'live', stage: 'live', rampPercent: 10, released: { reason: 'orders look wrong' } });
      expect(await migration()).toMatchObject({ stage: 'live', ramp: 10, killed: null });
      expect((await auditRows()).at(-1)).toMatchObject({ action: 'resume', details: { rampPercent: 10, released: { reason: 'orders look wrong' } } });
      expect((await failure(midair.advance('price_cents', 'live'), MidairRefusal)).message).toBe('migration "price_cents" is live already, and its kill switch does not hold: there is nothing to resume');
    } finally {
      await client.end();
    }
  });

  it('kill is refused before shadow; resuming at 0% needs no evidence', async () => {
    expect((await failure(midair.kill('price_cents', { reason: 'x' }), MidairRefusal)).message).toMatch(/is expanded: application clients use only the old shape already/);
    await toShadow();
    await midair.advance('price_cents', 'live', { percent: 30 });
    await midair.kill('price_cents', { reason: 'x' });
    expect(await midair.advance('price_cents', 'live')).toMatchObject({ rampPercent: 0, released: { reason: 'x' } });
  });

  it('gates lists every gate of the next moves with its numbers, passing or not', async () => {
    await toLive(10);
    await reportMetrics(db, id, [compares('live', 100, 5)]);
    const report = await midair.gates('price_cents');
    expect(report).toMatchObject({ migration: 'price_cents', stage: 'live', rampPercent: 10, killed: null });
    expect(report.moves.map((m) => [m.to, m.open, m.gates.map((g) => [g.name, g.passed])])).toEqual([
      ['ramp', false, [['soak', true], ['ramp window', false]]],
      ['rampdown', false, [['at 100%', false], ['soak', true]]],
    ]);
    expect(report.moves[0]!.gates[1]!.numbers).toMatchObject({ compares: 300, mismatches: 5, windowSeconds: 60 });
    expect(report.moves[0]!.gates[1]!.message).toMatch(/mismatched in 1.67% of 300 compares/);
  });

  it('status shows the ramp, the kill switch, canary sets, instances and the window per side', async () => {
    await toLive(25);
    await midair.canaryAdd('price_cents', ['1', '2', '3']);
    await midair.canaryAdd('price_cents', ['9'], { set: 'staff' });
    await db.query(`INSERT INTO midair.client_instances (migration_id, instance_id, service, stage, ramp_percent, old_used_at) VALUES ($1, 'api-1', 'accounts-api', 'live', 25, now())`, [id]);
    await reportMetrics(db, id, [
      { side: 'old', kind: 'read', calls: 300, errors: 3, stage: 'live', latencyMs: 2 },
      { side: 'new', kind: 'read', calls: 100, errors: 0, stage: 'live', latencyMs: 8, instance: 'app-2' },
    ]);
    await midair.kill('price_cents', { reason: 'look closer' });
    const [active] = (await midair.status()).active;
    expect(active!.traffic).toMatchObject({
      rampPercent: 0,
      killed: { reason: 'look closer' },
      canary: { canary: 3, staff: 1 },
      instances: [{ service: 'accounts-api', id: 'api-1', stage: 'live', rampPercent: 25, oldUsedAt: expect.any(String), lastSeen: expect.any(String) }],
      window: { windowSeconds: 60, instances: 2, compares: { compares: 200, mismatches: 0, mismatchRate: 0 }, old: { calls: 300, errors: 3, errorRate: 0.01 }, new: { calls: 300, errors: 0 } },
    });
    expect(active!.traffic.window.old.p99).toBeGreaterThan(2);
    expect(active!.traffic.window.old.p99).toBeLessThan(2.5);
    expect(active!.traffic.window.new.p99).toBeGreaterThan(8);
  });
});
