import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { processActor } from '../src/people/actor.js';
import { connect } from '../src/db/connect.js';
import type { Executor } from '../src/db/executor.js';
import { MidairRefusal, type Midair } from '../src/index.js';
import { enforceGuards } from '../src/stages/guards.js';
import { pullKillSwitch } from '../src/stages/killSwitch.js';
import { compares, openTrafficDatabase, reportMetrics, soakedFor, TEST_BOUNDS } from './support/trafficEvidence.js';

describe('guards pull the kill switch of a live migration on a breach (real PostgreSQL)', () => {
  let fixture: Awaited<ReturnType<typeof openTrafficDatabase>>;
  let db: Executor;
  let other: Executor;
  let midair: Midair;
  let id: number;

  const migration = async () => (await db.query<{ stage: string; ramp: number; killed: Record<string, string> | null }>(
    `SELECT stage, ramp_percent::float8 AS ramp, killed FROM midair.migrations WHERE id = $1`, [id]))[0]!;
  const kills = () => db.query<{ details: Record<string, unknown> }>(`SELECT details FROM midair.audit_log WHERE action = 'kill' ORDER BY id`);

  beforeAll(async () => {
    fixture = await openTrafficDatabase('guards', TEST_BOUNDS);
    db = fixture.db;
    other = await connect({ database: fixture.url, embeddedDir: '', applicationName: 'other-instance' });
  });
  afterAll(async () => {
    await other?.close();
    await fixture?.close();
  });
  beforeEach(async () => {
    ({ midair, id } = await fixture.reset());
    await midair.backfill();
    await midair.verify();
    await midair.advance('price_cents', 'shadow');
    await reportMetrics(db, id, [compares('shadow', 500)]);
    await midair.advance('price_cents', 'live', { percent: 30 });
  });

  it('a mismatch rate over its bound: ramp to 0, killed.auto names the guard, the numbers are in the audit log', async () => {
    await reportMetrics(db, id, [compares('live', 100, 4), compares('live', 100, 0, { instance: 'app-2' })]);
    const breach = await enforceGuards(db, id, TEST_BOUNDS);
    expect(breach).toEqual({
      migration: 'price_cents',
      guard: 'mismatch rate',
      reason: 'guard "mismatch rate": 2.00% of 200 compares mismatched over the last 60s, more than 1.00% (traffic.maxMismatchRate)',
      numbers: { compares: 200, mismatches: 4, mismatchRate: 0.02, maxMismatchRate: 0.01, windowSeconds: 60 },
      pulled: true,
    });
    expect(await migration()).toMatchObject({ stage: 'live', ramp: 0, killed: { auto: 'mismatch rate', reason: breach!.reason } });
    expect(await kills()).toEqual([{ details: { reason: breach!.reason, auto: 'mismatch rate', fromPercent: 30, numbers: breach!.numbers } }]);
    // Killed: the guards judge nothing until the operator resumes.
    expect(await enforceGuards(db, id, TEST_BOUNDS)).toBeNull();
  });

  it('judges nothing without enough calls, outside the window, or outside live', async () => {
    await reportMetrics(db, id, [compares('live', 40, 20), compares('live', 500, 100, { secondsAgo: 90 }), { side: 'new', kind: 'read', calls: 49, errors: 49, stage: 'live' }]);
    expect(await enforceGuards(db, id, TEST_BOUNDS)).toBeNull();
    await db.query(`UPDATE midair.migrations SET stage = 'shadow' WHERE id = $1`, [id]);
    await reportMetrics(db, id, [compares('shadow', 500, 500)]);
    expect(await enforceGuards(db, id, TEST_BOUNDS)).toBeNull();
    expect(await migration()).toMatchObject({ ramp: 30, killed: null });
    expect(await kills()).toEqual([]);
  });

  it('a new-shape error rate over its bound', async () => {
    await reportMetrics(db, id, [{ side: 'new', kind: 'write', calls: 100, errors: 5, stage: 'live' }, { side: 'old', kind: 'write', calls: 100, errors: 50, stage: 'live' }]);
    expect(await enforceGuards(db, id, TEST_BOUNDS)).toMatchObject({ guard: 'new error rate', numbers: { newCalls: 100, newErrors: 5, newErrorRate: 0.05 }, pulled: true });
    expect((await migration()).killed).toMatchObject({ auto: 'new error rate' });
  });

  it("a new-shape p99 over its bound relative to the old shape's, judged on at least 100 calls a side", async () => {
    // The p99 of 60 calls is about their slowest one: not judged, however slow.
    await reportMetrics(db, id, [
      { side: 'old', kind: 'read', calls: 60, stage: 'live', latencyMs: 2, instance: 'app-3' },
      { side: 'new', kind: 'read', calls: 60, stage: 'live', latencyMs: 90, instance: 'app-3' },
    ]);
    expect(await enforceGuards(db, id, TEST_BOUNDS)).toBeNull();
    await db.exec(`DELETE FROM midair.client_metrics WHERE instance_id = 'app-3'`);
    await reportMetrics(db, id, [
      { side: 'old', kind: 'read', calls: 100, stage: 'live', latencyMs: 2 },
      { side: 'new', kind: 'read', calls: 100, stage: 'live', latencyMs: 3 },
    ]);
    expect(await enforceGuards(db, id, TEST_BOUNDS)).toBeNull();
    await reportMetrics(db, id, [{ side: 'new', kind: 'read', calls: 10, stage: 'live', latencyMs: 40, instance: 'app-2' }]);
    const breach = await enforceGuards(db, id, TEST_BOUNDS);
    expect(breach).toMatchObject({ guard: 'new p99 latency', pulled: true });
    expect(breach!.numbers.ratio).toBeGreaterThan(15);
    expect(breach!.reason).toMatch(/^guard "new p99 latency": the new shape's p99 \(.+ ms\) is .+x the old shape's \(.+ ms\) over the last 60s, more than 2x \(traffic.maxP99Ratio\)$/);
  });

  it('after a guard pulled the switch, resuming needs --force --reason, and the evidence that pulled it is not judged again', async () => {
    // A bucket of the step that started before the operator came to resume (a moment later in this test).
    await soakedFor(db, id, 601);
    await reportMetrics(db, id, [compares('live', 100, 50, { secondsAgo: 10 })]);
    expect(await enforceGuards(db, id, TEST_BOUNDS)).toMatchObject({ guard: 'mismatch rate', pulled: true });
    const refusal = await midair.advance('price_cents', 'live', { percent: 30 }).then(() => null, (error: MidairRefusal) => error);
    expect(refusal).toBeInstanceOf(MidairRefusal);
    expect(refusal!.reason).toBe('killed');
    expect(refusal!.message).toMatch(/^the guard "mismatch rate" pulled the kill switch of migration "price_cents"/);
    expect(refusal!.hint).toMatch(/--force --reason/);
    await midair.advance('price_cents', 'live', { percent: 30, force: { reason: 'fixed the mapping' } });
    expect(await migration()).toMatchObject({ stage: 'live', ramp: 30, killed: null });
    // The bad compares are still in the window, but they belong to the step before the resume.
    expect(await enforceGuards(db, id, TEST_BOUNDS)).toBeNull();
    await reportMetrics(db, id, [compares('live', 100, 50)]);
    expect(await enforceGuards(db, id, TEST_BOUNDS)).toMatchObject({ guard: 'mismatch rate', pulled: true });
  });

  it('two instances judging at once pull the switch once', async () => {
    for (let round = 0; round < 5; round++) {
      await db.exec(`DELETE FROM midair.client_metrics`);
      await reportMetrics(db, id, [compares('live', 100, 50)]);
      const results = await Promise.all([enforceGuards(db, id, TEST_BOUNDS), enforceGuards(other, id, TEST_BOUNDS)]);
      expect(results.filter((r) => r?.pulled)).toHaveLength(1);
      expect(await kills()).toHaveLength(round + 1);
      await soakedFor(db, id, 601);
      await midair.advance('price_cents', 'live', { percent: 30, force: { reason: `round ${round}` } });
    }
  });

  it('a second pull waiting on the first one’s row lock finds the switch pulled and changes nothing', async () => {
    let commitFirst!: () => void;
    const firstHolds = new Promise<void>((resolve) => (commitFirst = resolve));
    let firstPulled!: () => void;
    const pulledByFirst = new Promise<void>((resolve) => (firstPulled = resolve));
    const first = db.transaction(async (tx) => {
      const pulled = await pullKillSwitch(tx, { id, name: 'price_cents' }, { by: { ...processActor(), label: 'guard-a' }, reason: 'a', auto: 'mismatch rate' }, ['live']);
      firstPulled();
      await firstHolds;
      return pulled;
    });
    await pulledByFirst;
    const second = other.transaction((tx) => pullKillSwitch(tx, { id, name: 'price_cents' }, { by: { ...processActor(), label: 'guard-b' }, reason: 'b', auto: 'mismatch rate' }, ['live']));
    for (const deadline = Date.now() + 60_000; ; ) {
      const waiting = await db.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'other-instance' AND wait_event_type = 'Lock'`);
      if (waiting.length) break;
      if (Date.now() > deadline) throw new Error('the second pull never waited for the first one’s lock');
    }
    commitFirst();
    expect(await first).toMatchObject({ stage: 'live', fromPercent: 30, killed: { by: 'guard-a' } });
    expect(await second).toBeNull();
    expect((await migration()).killed).toMatchObject({ by: 'guard-a', reason: 'a' });
    expect(await kills()).toHaveLength(1);
  });
});
