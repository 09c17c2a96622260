import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { connect } from '../src/db/connect.js';
import type { Executor } from '../src/db/executor.js';
import { silentReporter } from '../src/lifecycle/context.js';
import { defineMigration, Midair, MidairError, MidairRefusal, type Migration } from '../src/index.js';
import type { TeamConfig } from '../src/people/team.js';
import { dropRole, freshDatabase, tempDir, type TestDatabase } from './support/databases.js';
import { peopleRoles, type PeopleRoles } from './support/people.js';
import { demoRehearsal } from './support/playbookFixture.js';
import { makeProject } from './support/project.js';
import { jsonOf, runCli } from './support/runCli.js';
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
  // Saved credentials go to a folder of this file's own, never to the user's ~/.config.
  const config = tempDir('authority-config');
  const previousConfigHome = process.env.XDG_CONFIG_HOME;
  process.env.XDG_CONFIG_HOME = config.path;

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
    await dropRole(DAVE_ROLE);
    if (previousConfigHome === undefined) delete process.env.XDG_CONFIG_HOME;
    else process.env.XDG_CONFIG_HOME = previousConfigHome;
    config.remove();
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
    expect((await failure(as('alice', null).approve('price_cents', 'complete'), MidairError)).message).toBe('`midair approve` needs a team, and none is configured');
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

  it('a migration whose people cannot be resolved can still be killed and rolled back by any verified person, warned and audited; nothing else', async () => {
    // Started before the team existed: no owners.
    await as('postgres', null).start(PRICE_CENTS);
    expect((await failure(as('alice').backfill(), MidairRefusal)).reason).toBe('people');
    expect((await failure(as('postgres').rollback('price_cents'), MidairRefusal)).reason).toBe('not allowed');
    const warnings: string[] = [];
    const settings = { ...resolveConfig({}, { baseDir: process.cwd(), database: database.url, env: {} }), traffic: TEST_BOUNDS, team };
    const carol = new Midair(sessions.carol!, settings, { ...silentReporter, warn: (m: string) => warnings.push(m) }, undefined, () => NOW);
    expect((await carol.rollback('price_cents')).stage).toBe('rolled_back');
    expect(warnings[0]).toMatch(/^the people of migration "price_cents" cannot be resolved \(migration "price_cents" has no owners: .*\), so any verified person may roll back it; "carol" does, recorded in the audit log$/);
    expect(await auditOf('people unresolved')).toEqual([expect.objectContaining({ person: 'carol', details: { act: 'roll back', reason: expect.stringMatching(/has no owners/) } })]);
  });

  it('the rollback authority who is no owner may run a risky step with an override (the schedule guard judges it), not without', async () => {
    const frozen: TeamConfig = { ...team, risk: { startRows: 1 }, freeze: [{ from: '2026-03-01', to: '2026-03-03', reason: 'release' }] };
    const byCarol = defineMigration({ ...OWNED, rollbackAuthority: { person: 'carol', deputy: 'bob' } });
    expect((await failure(as('carol', frozen).start(byCarol), MidairRefusal)).message).toBe('"carol" may not start migration "price_cents": only its owners ("alice", "bob") may');
    expect((await failure(as('bob', frozen).start(byCarol, { override: { reason: 'hotfix' } }), MidairRefusal)).message).toMatch(/^only the rollback authority of migration "price_cents", carol \(carol\), may override the schedule guard; bob may not$/);
    expect((await as('carol', frozen).start(byCarol, { override: { reason: 'hotfix' } })).stage).toBe('expanded');
    expect((await auditOf('start'))[0]).toMatchObject({ person: 'carol', details: expect.objectContaining({ override: expect.objectContaining({ reason: 'hotfix' }) }) });
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

    const gate = (await alice.gates('price_cents')).moves.find((m) => m.to === 'complete')!.gates[0];
    expect(gate).toMatchObject({ name: 'approvals of complete', forceable: false, passed: false, numbers: { approvals: 0, needed: 1 } });
    await as('bob').approve('price_cents', 'complete');
    expect((await alice.approvals('price_cents')).needed).toEqual([{ step: 'complete', count: 1, from: null, approvedBy: ['alice', 'bob'] }]);
    expect((await alice.complete('price_cents')).stage).toBe('complete');
    expect((await auditOf('approve')).map((r) => [r.person, r.verified_by, r.details.step])).toEqual([['alice', 'role', 'complete'], ['bob', 'role', 'complete']]);
    expect((await auditOf('complete'))[0]).toMatchObject({ person: 'alice', verified_by: 'role' });
  });

  it('an approval expires when the stage changes; a rollback never waits for approvals', async () => {
    const alice = as('alice');
    await alice.start(OWNED);
    await alice.backfill();
    await as('carol').approve('price_cents', 'complete');
    await alice.advance('price_cents', 'shadow');
    expect((await alice.approvals('price_cents')).approvals.map((a) => [a.person, a.expired])).toEqual([['carol', 'given while expanded; the migration is shadow now']]);
    expect((await failure(as('carol').approve('price_cents', 'rollback'), MidairError)).message).toBe('"rollback" is not a step that takes approvals');
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

  it('a start approval holds for one start, not for another after a rollback; an approver who left the team does not count', async () => {
    const plain = defineMigration({ ...PRICE_CENTS, owners: { primary: 'alice', secondary: 'bob' } });
    const needsStart: TeamConfig = { ...team, migrations: { price_cents: { approvals: { start: { count: 1 } } } } };
    await as('carol', needsStart).approve(plain, 'start');
    await as('alice', needsStart).start(plain);
    await as('alice', needsStart).rollback('price_cents');
    const again = await failure(as('alice', needsStart).start(plain), MidairRefusal);
    expect(again.reason).toBe('approval');
    expect((await as('alice', needsStart).approvals(plain)).approvals.map((a) => a.expired)).toEqual([expect.stringMatching(/^given before the migration was last started \(run \d+\); a start approval holds for one start$/)]);
    await as('carol', needsStart).approve(plain, 'start');
    const withoutCarol: TeamConfig = { ...needsStart, people: { alice: team.people.alice!, bob: team.people.bob! } };
    expect((await failure(as('alice', withoutCarol).start(plain), MidairRefusal)).reason).toBe('approval');
    expect((await as('alice', withoutCarol).approvals(plain)).approvals.map((a) => a.expired)).toEqual(['"carol" is no longer a person of the team', '"carol" is no longer a person of the team']);
    expect((await as('alice', needsStart).start(plain)).stage).toBe('expanded');
  });

  it('with a team, only a verified person records a rehearsal (the playbook judges people by it)', async () => {
    const refused = await failure(as('postgres').recordRehearsal(demoRehearsal('0123456789abcdef')), MidairRefusal);
    expect(refused.message).toMatch(/^unverified .* is not a verified person of the team, so may not record a rehearsal$/);
    expect(refused.hint).toMatch(/`midair login`/);
    await as('carol').recordRehearsal(demoRehearsal('0123456789abcdef'));
    await as('postgres', null).recordRehearsal(demoRehearsal('0123456789abcdef'));
  });

  const DAVE_ROLE = `midair_p_dave_${process.pid}`;
  /** A session of a plain login role (no superuser, owns nothing) that may use the control schema. */
  async function daveSession(): Promise<Executor> {
    await admin.exec(`DROP ROLE IF EXISTS "${DAVE_ROLE}"; CREATE ROLE "${DAVE_ROLE}" LOGIN;
      GRANT USAGE ON SCHEMA midair TO "${DAVE_ROLE}"; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA midair TO "${DAVE_ROLE}";
      GRANT USAGE ON ALL SEQUENCES IN SCHEMA midair TO "${DAVE_ROLE}"`);
    const url = new URL(database.url);
    url.username = DAVE_ROLE;
    return connect({ database: url.toString(), embeddedDir: '', applicationName: 'midair-test dave' });
  }

  /** Runs `fn` with MIDAIR_TOKEN set to `token`. */
  async function withToken<T>(token: string, fn: () => Promise<T>): Promise<T> {
    process.env.MIDAIR_TOKEN = token;
    try {
      return await fn();
    } finally {
      delete process.env.MIDAIR_TOKEN;
    }
  }

  it('tokens: issued by the person or an administrator, stored hashed, used through MIDAIR_TOKEN; a wrong or revoked one is an error', async () => {
    const own = await as('alice').login();
    expect(own).toMatchObject({ person: 'alice', issuedBy: 'alice', own: true });
    expect(own.token).toMatch(/^midair_[A-Za-z0-9_-]{43}$/);
    const stored = await admin.query<{ hash: string; created_by: string }>('SELECT hash, created_by FROM midair.tokens WHERE id = $1', [own.tokenId]);
    expect(stored).toEqual([{ hash: createHash('sha256').update(own.token).digest('hex'), created_by: 'alice' }]);
    expect((await failure(as('postgres').login(), MidairError)).message).toMatch(/is not any person's in team\.people\.<id>\.roles/);
    expect(await as('postgres').login({ person: 'carol' })).toMatchObject({ person: 'carol', issuedBy: 'role "postgres" (administrator)', own: false });
    expect((await auditOf('login')).map((r) => [r.person, r.details.person])).toEqual([['alice', 'alice'], [null, 'carol']]);

    // The unverified postgres session acts as alice with her token; the same long-lived handle acts later.
    const holder = as('postgres');
    await withToken(own.token, () => holder.start(OWNED));
    expect((await auditOf('start'))[0]).toMatchObject({ person: 'alice', verified_by: 'token' });
    const wrong = await failure(withToken('midair_not-a-token', () => as('alice').status()), MidairError);
    expect(wrong.message).toBe('the token in MIDAIR_TOKEN is not a token of this database: it is wrong, or was issued for another database');

    // dave is a person of the team whose role is no superuser: he may not issue or revoke for others,
    // not even as the owner of the midair schema (with one shared role, that would be every operator).
    const dave = await daveSession();
    await admin.exec(`ALTER SCHEMA midair OWNER TO "${DAVE_ROLE}"`);
    try {
      const withDave = { people: { ...team.people, dave: { name: 'dave', timezone: 'UTC', contacts: [{ chat: '@dave' }], roles: [DAVE_ROLE] } } };
      const asDave = new Midair(dave, { ...resolveConfig({}, { baseDir: process.cwd(), database: database.url, env: {} }), team: withDave }, silentReporter, undefined, () => NOW);
      const refused = await failure(asDave.login({ person: 'carol' }), MidairRefusal);
      expect(refused.message).toBe(`role "${DAVE_ROLE}" may not issue a token for "carol": a person logs in as themself (connecting as a role in their team.people.<id>.roles), or an administrator issues it`);
      expect((await failure(asDave.revokeTokens('carol'), MidairRefusal)).reason).toBe('not allowed');
      expect((await asDave.login()).person).toBe('dave');
    } finally {
      await dave.close();
    }
    expect((await as('alice').revokeTokens(String(own.tokenId))).revoked).toEqual([{ id: own.tokenId, person: 'alice' }]);
    // Revoked meanwhile: the long-lived handle that used it is refused at its next call.
    const revoked = await failure(withToken(own.token, () => holder.backfill()), MidairError);
    expect(revoked.message).toMatch(new RegExp(`^the token in MIDAIR_TOKEN \\(token ${own.tokenId} of "alice"\\) was revoked at .* by alice$`));
    expect((await auditOf('revoke'))[0]).toMatchObject({ person: 'alice', details: { person: 'alice', tokenIds: [own.tokenId] } });
  });

  it('the CLI: login saves your own token (0600) but only prints one issued for someone else; approve and approvals act by it with --json, login --revoke takes it back', async () => {
    await as('alice').start(OWNED);
    const dir = tempDir('authority-cli');
    try {
      // The postgres role (a superuser, so an administrator) is bob's here.
      const withBob = { people: { ...team.people, bob: { ...team.people.bob!, roles: ['postgres'] } } };
      makeProject(dir.path, { 'midair.config.ts': `export default ${JSON.stringify({ team: withBob })};\n` });
      const env = { XDG_CONFIG_HOME: join(dir.path, 'config') };
      const cli = (args: string[], extra: Record<string, string> = {}) => runCli(dir.path, [...args, '--database', database.url, '--json'], { ...env, ...extra });

      const issued = jsonOf<{ ok: boolean; person: string; tokenId: number; token: string; savedTo: string }>(await cli(['login']));
      expect(issued).toMatchObject({ ok: true, person: 'bob', own: true, savedTo: join(dir.path, 'config', 'midair', 'credentials.json') });
      expect(statSync(issued.savedTo).mode & 0o777).toBe(0o600);
      // carol's token is printed only: saved, it would make bob act as carol.
      const forCarol = await cli(['login', '--person', 'carol']);
      expect(jsonOf(forCarol)).toMatchObject({ ok: true, person: 'carol', own: false, savedTo: null });
      const text = await runCli(dir.path, ['login', '--person', 'carol', '--database', database.url], env);
      expect(text.stdout).toMatch(/not saved: it is "carol"'s, not yours; hand it to them to set as MIDAIR_TOKEN/);
      expect(Object.values(JSON.parse(readFileSync(issued.savedTo, 'utf8')))).toEqual([{ token: issued.token, person: 'bob', tokenId: issued.tokenId }]);

      const approve = jsonOf(await cli(['approve', 'price_cents', 'complete', '--comment', 'checked the diff']));
      expect(approve).toMatchObject({ ok: true, person: 'bob', step: 'complete', stage: 'expanded', comment: 'checked the diff' });
      const approvals = jsonOf<{ needed: unknown[]; approvals: { person: string; expired: string | null }[] }>(await cli(['approvals', 'price_cents']));
      expect(approvals.needed).toEqual([{ step: 'complete', count: 1, from: null, approvedBy: ['bob'] }]);
      expect(approvals.approvals).toMatchObject([{ person: 'bob', verifiedBy: 'token', expired: null }]);

      expect(jsonOf(await cli(['login', '--revoke', 'bob']))).toMatchObject({ ok: true, revoked: [{ id: issued.tokenId, person: 'bob' }], forgotten: true });
      const withRevoked = await cli(['approvals', 'price_cents'], { MIDAIR_TOKEN: issued.token });
      expect(withRevoked.code).toBe(1);
      expect(jsonOf(withRevoked)).toMatchObject({ ok: false, error: expect.stringMatching(/was revoked at .* by bob$/) });
      expect(JSON.parse(readFileSync(issued.savedTo, 'utf8'))).toEqual({});
    } finally {
      dir.remove();
    }
  });
});
