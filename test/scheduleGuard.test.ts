import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { createMidair, defineMigration, MidairRefusal, op, type Midair } from '../src/index.js';
import type { TeamConfig } from '../src/people/team.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';
import { peopleRoles, type PeopleRoles } from './support/people.js';

// The schedule guard on a real server, two verified people, fixed clocks (no clock is read).
const ALLOWED = new Date('2026-12-02T15:00:00Z'); // Wednesday: 16:00 in Berlin, 10:00 in New York
const FROZEN = new Date('2026-12-24T15:00:00Z'); // in the Christmas freeze, which ends with the 26th (UTC)
const CHRISTMAS = 'freeze "christmas" (2026-12-24 to 2026-12-26)';
// The 27th is a Sunday: the next time both are at work is Monday 28th, 09:00 in New York.
const NEXT = 'next allowed: 2026-12-28T14:00:00.000Z (2026-12-28 15:00 Europe/Berlin)';

const cents = defineMigration({
  name: 'price_cents',
  owners: { primary: 'alice', secondary: 'bob' },
  operations: [op.alterColumn({ table: 'items', column: 'price', type: 'integer', up: 'price::integer', down: 'price::text' })],
});

async function refusal(promise: Promise<unknown>): Promise<MidairRefusal> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(MidairRefusal);
  return error as MidairRefusal;
}

describe('the schedule guard (real PostgreSQL, verified people)', () => {
  let roles: PeopleRoles;
  let database: TestDatabase;
  let team: TeamConfig;
  const opened: Midair[] = [];

  /** Midair connecting as `person` (verified by role), at the fixed instant `now`. */
  async function as(person: string, now: Date, teamConfig: TeamConfig = team): Promise<Midair> {
    const midair = await createMidair({ resolved: resolveConfig({ database: roles.urlOf(person, database.name), team: teamConfig }, { baseDir: process.cwd(), env: {} }), now: () => now });
    opened.push(midair);
    return midair;
  }

  async function auditRows(action: string): Promise<{ person: string; verified_by: string; details: Record<string, unknown> }[]> {
    const db = new pg.Client(database.url);
    await db.connect();
    try {
      return (await db.query(`SELECT person, verified_by, details FROM midair.audit_log WHERE action = $1 ORDER BY id`, [action])).rows;
    } finally {
      await db.end();
    }
  }

  beforeAll(async () => {
    roles = await peopleRoles(['alice', 'bob']);
    team = {
      people: {
        alice: { name: 'Alice', timezone: 'Europe/Berlin', contacts: [{ email: 'alice@example.com' }], roles: [roles.role.alice!] },
        bob: { name: 'Bob', timezone: 'America/New_York', contacts: [{ email: 'bob@example.com' }], roles: [roles.role.bob!] },
      },
      freeze: [{ from: '2026-12-24', to: '2026-12-26', reason: 'christmas' }],
    };
  });
  afterAll(async () => {
    await roles?.drop();
  });
  beforeEach(async () => {
    database = await freshDatabase('schedule_guard');
    const db = new pg.Client(database.url);
    await db.connect();
    await db.query(`CREATE TABLE items (id integer PRIMARY KEY, price text NOT NULL); INSERT INTO items SELECT g, g::text FROM generate_series(1, 200) g`);
    await db.end();
    const alice = await as('alice', ALLOWED);
    await alice.start(cents);
    await alice.backfill();
    await alice.verify();
    // complete needs one approval by someone other than the one who runs it: each approves for the other.
    await alice.approve('price_cents', 'complete');
    await (await as('bob', ALLOWED)).approve('price_cents', 'complete');
  });
  afterEach(async () => {
    for (const m of opened.splice(0)) await m.close();
    await database.drop();
  });

  it('complete is refused in a freeze, with the reason and the next allowed time, and allowed outside it', async () => {
    const error = await refusal((await as('bob', FROZEN)).complete('price_cents'));
    expect(error.reason).toBe('schedule');
    expect(error.message).toBe(`the schedule guard refuses complete of migration "price_cents" now (2026-12-24T15:00:00.000Z): ${CHRISTMAS}; ${NEXT}`);
    expect(error.hint).toContain('the rollback authority, alice, may run it now with --override --reason');
    expect(await auditRows('complete')).toEqual([]);
    // `midair gates` shows it as the gate "schedule" of the move, not forceable.
    const moves = (await (await as('bob', FROZEN)).gates('price_cents')).moves;
    expect(moves.find((m) => m.to === 'complete')!.gates.find((g) => g.name === 'schedule')).toMatchObject({ forceable: false, passed: false, message: error.message });
    expect(await (await as('bob', ALLOWED)).complete('price_cents')).toMatchObject({ stage: 'complete' });
  });

  it('advance to live is refused in a freeze even with --force (force passes only the other gates), and allowed outside it', async () => {
    const force = { reason: 'no application client in this test' };
    const frozen = await as('alice', FROZEN);
    await frozen.advance('price_cents', 'shadow');
    const error = await refusal(frozen.advance('price_cents', 'live', { force }));
    expect(error.reason).toBe('schedule');
    expect(error.message).toContain(`the move to live of migration "price_cents" now (2026-12-24T15:00:00.000Z): ${CHRISTMAS}; ${NEXT}`);
    expect(await (await as('alice', ALLOWED)).advance('price_cents', 'live', { force })).toMatchObject({ stage: 'live' });
  });

  it('the rollback authority may override, on the record; another owner may not, and is told who may', async () => {
    const byBob = await refusal((await as('bob', FROZEN)).complete('price_cents', { override: { reason: 'urgent' } }));
    expect(byBob.reason).toBe('not allowed');
    expect(byBob.message).toBe('only the rollback authority of migration "price_cents", alice (Alice), may override the schedule guard; bob may not');
    expect(await auditRows('complete')).toEqual([]);

    await (await as('alice', FROZEN)).complete('price_cents', { override: { reason: 'the fix must ship before the holidays' } });
    expect(await auditRows('complete')).toEqual([
      expect.objectContaining({ person: 'alice', verified_by: 'role', details: expect.objectContaining({ override: { reason: 'the fix must ship before the holidays', overridden: [CHRISTMAS] } }) }),
    ]);
  });

  it('start on a table above team.risk.startRows is judged too; below it, start is not a risky step', async () => {
    const db = new pg.Client(database.url);
    await db.connect();
    await db.query(`CREATE TABLE notes (id integer PRIMARY KEY, body text); INSERT INTO notes SELECT g, 'n' FROM generate_series(1, 200) g`);
    await db.end();
    const notes = defineMigration({ name: 'notes_lang', owners: { primary: 'alice', secondary: 'bob' }, operations: [op.addColumn({ table: 'notes', column: { name: 'lang', type: 'text' } })] });
    const error = await refusal((await as('alice', FROZEN, { ...team, risk: { startRows: 100 } })).start(notes));
    expect(error.message).toBe(`the schedule guard refuses start (table "notes" has about 200 rows, above team.risk.startRows 100) of migration "notes_lang" now (2026-12-24T15:00:00.000Z): ${CHRISTMAS}; ${NEXT}`);
    expect(await (await as('alice', FROZEN)).start(notes)).toMatchObject({ stage: 'expanded' });
  });
  describe('a rise of traffic without `midair ramp` passes the ramp approvals and the schedule guard too', () => {
    const force = { reason: 'no application client in this test' };
    const rampRule = (): TeamConfig => ({ ...team, migrations: { price_cents: { approvals: { ramp: { count: 1 } } } } });

    it('advance to live at a percent above 0 needs the ramp approvals; at 0 it does not', async () => {
      const alice = await as('alice', ALLOWED, rampRule());
      await alice.advance('price_cents', 'shadow');
      const error = await refusal(alice.advance('price_cents', 'live', { percent: 80, force }));
      expect(error.reason).toBe('approval');
      expect(error.message).toContain('needs 1 approval(s) of ramp by someone other than alice');
      expect(await alice.advance('price_cents', 'live', { force })).toMatchObject({ stage: 'live', rampPercent: 0 });
    });

    it('resuming after a kill above the killed percent (--force) needs the ramp approvals and an allowed time', async () => {
      const alice = await as('alice', ALLOWED, rampRule());
      await alice.advance('price_cents', 'shadow');
      await (await as('bob', ALLOWED, rampRule())).approve('price_cents', 'ramp');
      expect(await alice.advance('price_cents', 'live', { percent: 10, force })).toMatchObject({ stage: 'live', rampPercent: 10 });
      await alice.kill('price_cents', { reason: 'looks odd' });

      // The approval given while shadow no longer holds: the resume to 100% is a ramp step like any other.
      const unapproved = await refusal(alice.advance('price_cents', 'live', { percent: 100, force }));
      expect(unapproved.reason).toBe('approval');
      await (await as('bob', ALLOWED, rampRule())).approve('price_cents', 'ramp');
      const frozen = await refusal((await as('alice', FROZEN, rampRule())).advance('price_cents', 'live', { percent: 100, force }));
      expect(frozen.reason).toBe('schedule');
      expect(frozen.message).toContain(`this ramp step of migration "price_cents" now (2026-12-24T15:00:00.000Z): ${CHRISTMAS}`);
      expect(await alice.advance('price_cents', 'live', { percent: 100, force })).toMatchObject({ stage: 'live', rampPercent: 100 });
    });
  });

  it('schedule lists the windows quietest first when traffic per hour was measured', async () => {
    // Both in Berlin, a daily freeze 12:00-13:00 there: each weekday has a morning window (08:00-11:00 UTC) and an afternoon one (12:00-16:00 UTC).
    const berlin = { ...team.people.bob!, timezone: 'Europe/Berlin' };
    const lunch = { ...team, people: { ...team.people, bob: berlin }, freeze: [{ cron: '0 12 * * 1-5', timezone: 'Europe/Berlin', durationMinutes: 60, reason: 'lunch' }] };
    const db = new pg.Client(database.url);
    await db.connect();
    await db.query(`INSERT INTO midair.client_metrics (migration_id, instance_id, bucket_start, stage, side, kind, calls)
      SELECT id, 'app-1', at, 'shadow', 'old', 'read', calls FROM midair.migrations,
        (VALUES (timestamptz '2026-12-01 09:00Z', 6000), ('2026-12-01 13:00Z', 100)) AS t(at, calls)`);
    await db.end();
    const report = await (await as('alice', new Date('2026-12-07T00:00:00Z'), lunch)).schedule(cents, { days: 2 });
    expect(report).toMatchObject({ order: 'quietest first', needed: ['alice', 'bob'], allowedNow: false });
    expect(report.windows.map((w) => [w.start, w.end, w.callsPerHour])).toEqual([
      ['2026-12-07T12:00:00.000Z', '2026-12-07T16:00:00.000Z', 25],
      ['2026-12-08T12:00:00.000Z', '2026-12-08T16:00:00.000Z', 25],
      ['2026-12-07T08:00:00.000Z', '2026-12-07T11:00:00.000Z', 2000],
      ['2026-12-08T08:00:00.000Z', '2026-12-08T11:00:00.000Z', 2000],
    ]);
    expect(report.windows[0]!.local).toEqual({ alice: { start: '2026-12-07 13:00 Europe/Berlin', end: '2026-12-07 17:00 Europe/Berlin' }, bob: { start: '2026-12-07 13:00 Europe/Berlin', end: '2026-12-07 17:00 Europe/Berlin' } });
  });
});
