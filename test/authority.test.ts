import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { connect } from '../src/db/connect.js';
import type { Executor } from '../src/db/executor.js';
import { silentReporter } from '../src/lifecycle/context.js';
import { defineMigration, Midair, MidairError, MidairRefusal, type Migration } from '../src/index.js';
import type { TeamConfig } from '../src/people/team.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';
import { peopleRoles, type PeopleRoles } from './support/people.js';
import { compares, PRICE_CENTS, reportMetrics, soakedFor, TEST_BOUNDS } from './support/trafficEvidence.js';

// Who may do what, approvals with separation of duties, and personal tokens, with three verified
// people (each connects as a login role of their own) and one unverified session (postgres).

/** The error a promise rejects with (fails the test if it resolves). */
async function failure<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(type);
  return error as T;
}

const NOW = new Date('2026-03-02T10:00:00Z');
/** alice and bob own it; bob is the rollback authority with carol as deputy; carol is no owner. */
const OWNED: Migration = defineMigration({ ...PRICE_CENTS, owners: { primary: 'alice', secondary: 'bob' }, rollbackAuthority: { person: 'bob', deputy: 'carol' } });

describe('people in charge: roles, approvals, tokens (real PostgreSQL)', () => {
  let roles: PeopleRoles;
  let database: TestDatabase;
  let team: TeamConfig;
  const sessions: Record<string, Executor> = {};
  let admin: Executor;

  beforeAll(async () => {
    roles = await peopleRoles(['alice', 'bob', 'carol']);
    database = await freshDatabase('authority');
    const person = (id: string) => ({ name: id, timezone: 'Europe/Berlin', contacts: [{ email: `${id}@example.com` }], roles: [roles.role[id]!] });
    team = { people: { alice: person('alice'), bob: person('bob'), carol: person('carol') } };
    for (const id of ['alice', 'bob', 'carol']) sessions[id] = await connect({ database: roles.urlOf(id, database.name), embeddedDir: '', applicationName: `midair-test ${id}` });
    admin = await connect({ database: database.url, embeddedDir: '', applicationName: 'midair-test admin' });
  });

  afterAll(async () => {
    for (const s of Object.values(sessions)) await s.close();
    await admin?.close();
    await database?.drop();
    await roles?.drop();
  });

  beforeEach(async () => {
    const schemas = await admin.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace WHERE nspname = 'midair' OR nspname LIKE 'public%'`);
    await admin.exec(`${schemas.map((s) => `DROP SCHEMA "${s.name}" CASCADE;`).join(' ')} CREATE SCHEMA public;
      CREATE TABLE items (id integer PRIMARY KEY, price text NOT NULL, note text);
      INSERT INTO items SELECT g, g::text, 'n' || g FROM generate_series(1, 300) g;`);
  });

  /** A Midair handle for a person ('postgres': the unverified superuser session), under `withTeam`. */
  function as(who: string, withTeam: TeamConfig | null = team): Midair {
    const settings = { ...resolveConfig({}, { baseDir: process.cwd(), database: database.url, env: {} }), traffic: TEST_BOUNDS, team: withTeam };
    // Each handle identifies once; the sessions stay open for the whole file (no handle is closed).
    return new Midair(who === 'postgres' ? admin : sessions[who]!, settings, silentReporter, undefined, () => NOW);
  }
  const idOf = async (name: string) => (await admin.query<{ id: number }>('SELECT id::int AS id FROM midair.migrations WHERE name = $1 ORDER BY id DESC LIMIT 1', [name]))[0]!.id;
  const stageOf = async (name: string) => (await admin.query<{ stage: string }>('SELECT stage FROM midair.migrations WHERE name = $1 ORDER BY id DESC LIMIT 1', [name]))[0]?.stage;
  const auditOf = (action: string) => admin.query<{ person: string | null; verified_by: string | null; actor: string; details: Record<string, unknown> }>(
    'SELECT person, verified_by, actor, details FROM midair.audit_log WHERE action = $1 ORDER BY id', [action]);

  it('plan and start refuse a migration without a primary and a secondary who are different people; without a team nothing changes', async () => {
    const none = await failure(as('alice').plan(PRICE_CENTS), MidairRefusal);
    expect(none.reason).toBe('people');
    expect(none.message).toBe('migration "price_cents" has no owners: a team is configured, so it needs a primary and a secondary owner');
    expect((await failure(as('alice').start(PRICE_CENTS), MidairRefusal)).reason).toBe('people');
    const twice = await failure(as('alice').start(defineMigration({ ...PRICE_CENTS, owners: { primary: 'alice', secondary: 'alice' } })), MidairRefusal);
    expect(twice.message).toMatch(/"alice" is listed twice/);
    expect(await stageOf('price_cents')).toBeUndefined();
    expect((await as('postgres', null).start(PRICE_CENTS)).stage).toBe('expanded');
  });

  it('owners act, others and the unverified are refused naming who may and how to get verified; anyone reads', async () => {
    const unverified = await failure(as('postgres').start(OWNED), MidairRefusal);
    expect(unverified.reason).toBe('not allowed');
    expect(unverified.message).toMatch(/^unverified .* is not a verified person of the team, so may read but not start migration "price_cents" \(its owners \("alice", "bob"\) may\)$/);
    expect(unverified.hint).toMatch(/team\.people\.<you>\.roles.*`midair login`/);
    const carol = await failure(as('carol').start(OWNED), MidairRefusal);
    expect(carol.message).toBe('"carol" may not start migration "price_cents": only its owners ("alice", "bob") may');
    expect(carol.hint).toMatch(/add "carol" to the migration's owners/);

    await as('alice').start(OWNED);
    expect((await failure(as('carol').backfill(), MidairRefusal)).message).toBe('"carol" may not backfill migration "price_cents" while it is expanded: only its owners ("alice", "bob") may');
    expect((await failure(as('postgres').verify(), MidairRefusal)).reason).toBe('not allowed');
    await as('bob').backfill();
    expect((await as('postgres').status()).active.map((a) => a.name)).toEqual(['price_cents']);
    expect((await as('carol').gates('price_cents')).moves.map((m) => m.to)).toEqual(['shadow', 'complete']);
    expect((await auditOf('start'))[0]).toMatchObject({ person: 'alice', verified_by: 'role', actor: 'alice' });
    // Before traffic reaches the new shape, an owner may roll back.
    await as('alice').rollback();
    expect(await stageOf('price_cents')).toBe('rolled_back');
  });

  it('on a live migration only the rollback authority or its deputy rolls back or kills; anyone verified kills while a guard breaches', async () => {
    const alice = as('alice');
    await alice.start(OWNED);
    const id = await idOf('price_cents');
    await alice.backfill();
    await alice.verify();
    await alice.advance('price_cents', 'shadow');
    await reportMetrics(admin, id, [compares('shadow', 500)]);
    await alice.advance('price_cents', 'live', { percent: 10 });
    const rollback = await failure(alice.rollback('price_cents'), MidairRefusal);
    expect(rollback.reason).toBe('not allowed');
    expect(rollback.message).toBe('"alice" may not roll back migration "price_cents" while it is live: only its rollback authority "bob" or deputy "carol" may');
    const kill = await failure(alice.kill('price_cents', { reason: 'looks odd' }), MidairRefusal);
    expect(kill.hint).toMatch(/anyone verified may pull it while a guard breaches/);

    await soakedFor(admin, id, 601);
    await reportMetrics(admin, id, [compares('live', 100, 10)]);
    expect((await failure(as('postgres').kill('price_cents', { reason: 'mismatches' }), MidairRefusal)).reason).toBe('not allowed');
    expect(await alice.kill('price_cents', { reason: 'mismatches over the guard' })).toMatchObject({ alreadyKilled: false, stage: 'live' });
    expect((await auditOf('kill'))[0]).toMatchObject({ person: 'alice', verified_by: 'role' });
    await as('carol').rollback('price_cents');
    expect(await stageOf('price_cents')).toBe('rolled_back');
  });

  it('separation of duties: alice cannot complete on her own approval; bob\'s lets her; both audited', async () => {
    const alice = as('alice');
    await alice.start(OWNED);
    await alice.backfill();
    await alice.verify();
    const own = await alice.approve('price_cents', 'complete', { comment: 'looks good' });
    expect(own).toMatchObject({ person: 'alice', step: 'complete', stage: 'expanded' });
    const refused = await failure(alice.complete('price_cents'), MidairRefusal);
    expect(refused.reason).toBe('approval');
    expect(refused.message).toBe('migration "price_cents" needs 1 approval(s) of complete by someone other than alice, has 0; alice\'s own approval does not count: the one who runs a step cannot approve it');
    expect(refused.hint).toMatch(/`midair approve price_cents complete`/);
    // Not forceable: --force is the runner's own word.
    expect((await failure(alice.complete('price_cents', { force: { reason: 'in a hurry' } }), MidairRefusal)).reason).toBe('approval');
    expect((await failure(as('postgres').approve('price_cents', 'complete'), MidairRefusal)).reason).toBe('not allowed');

    await as('bob').approve('price_cents', 'complete');
    expect((await alice.approvals('price_cents')).needed).toEqual([{ step: 'complete', count: 1, from: null, approvedBy: ['alice', 'bob'] }]);
    expect((await alice.complete('price_cents')).stage).toBe('complete');
    expect((await auditOf('approve')).map((r) => [r.person, r.verified_by, r.details.step])).toEqual([['alice', 'role', 'complete'], ['bob', 'role', 'complete']]);
    expect((await auditOf('complete'))[0]).toMatchObject({ person: 'alice', verified_by: 'role' });
  });

  it('an approval expires when the stage changes', async () => {
    const alice = as('alice');
    const withRollbackApproval = defineMigration({ ...OWNED, approvals: { rollback: { count: 1 } } });
    await alice.start(withRollbackApproval);
    await alice.backfill();
    await as('carol').approve('price_cents', 'rollback');
    await alice.advance('price_cents', 'shadow');
    const refused = await failure(as('bob').rollback('price_cents'), MidairRefusal);
    expect(refused.reason).toBe('approval');
    expect(refused.message).toBe('migration "price_cents" needs 1 approval(s) of rollback by someone other than bob, has 0; 1 earlier approval(s) expired (the definition or the stage changed since)');
    expect((await alice.approvals('price_cents')).approvals.map((a) => [a.person, a.expired])).toEqual([['carol', 'given while expanded; the migration is shadow now']]);
    await as('carol').approve('price_cents', 'rollback');
    expect((await as('bob').rollback('price_cents')).stage).toBe('rolled_back');
  });

  it('an approval expires when the definition changes; `from` limits who approves', async () => {
    const needsStart: TeamConfig = { ...team, migrations: { price_cents: { approvals: { start: { count: 1, from: ['bob'] } } } } };
    const alice = as('alice', needsStart);
    expect((await failure(as('carol', needsStart).approve(OWNED, 'start'), MidairRefusal)).message).toBe('"carol" may not approve start of migration "price_cents": only bob may');
    await as('bob', needsStart).approve(OWNED, 'start');
    const changed = defineMigration({ ...OWNED, operations: [{ ...OWNED.operations[0]!, up: 'price::integer + 0' } as Migration['operations'][number]] });
    const refused = await failure(alice.start(changed), MidairRefusal);
    expect(refused.message).toMatch(/needs 1 approval\(s\) of start by someone other than alice \(from bob\), has 0; 1 earlier approval\(s\) expired/);
    expect((await alice.approvals(changed)).approvals[0]!.expired).toMatch(/^the definition changed since/);
    expect((await failure(alice.approve(OWNED, 'complete'), MidairError)).message).toBe('migration "price_cents" is planned, so complete is not one of its next steps; an approval holds only at the stage it is given in');
  });
});
