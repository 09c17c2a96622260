import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { connect } from '../src/db/connect.js';
import type { Executor } from '../src/db/executor.js';
import { silentReporter, type Reporter } from '../src/lifecycle/context.js';
import { defineMigration, MidairRefusal, op } from '../src/index.js';
import { Midair } from '../src/midair.js';
import type { Actor } from '../src/people/actor.js';
import { openPages, type PagingOptions } from '../src/people/paging/index.js';
import { raise } from '../src/people/paging/raise.js';
import type { PagingChannel } from '../src/people/team.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';
import { OWNERS, pagingTeam } from './support/pagingTeam.js';
import { peopleRoles, type PeopleRoles } from './support/people.js';
import { refusingUrl, startReceiver, type Answer, type Receiver } from './support/receiver.js';
import { compares, reportMetrics, TEST_BOUNDS } from './support/trafficEvidence.js';

// A Monday afternoon in Berlin, morning in New York: the owners a risky step needs are at work (the schedule guard).
const T0 = new Date('2026-03-02T15:00:00.000Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
const ALICE: Actor = { person: 'alice', via: 'role', label: 'alice' };

const PRICE_CENTS = defineMigration({
  name: 'price_cents',
  owners: OWNERS,
  operations: [op.alterColumn({ table: 'items', column: 'price', type: 'integer', up: 'price::integer', down: 'price::text' })],
});

/** Fails in its expand transaction: a step that fails, not a refusal. */
const FAILS = defineMigration({ name: 'fails_at_start', owners: OWNERS, operations: [op.sql({ up: 'SELECT 1 / 0', down: 'SELECT 1' })] });

describe('the life cycle tells the owners through team.paging (real PostgreSQL, a local HTTP receiver)', () => {
  let database: TestDatabase;
  let roles: PeopleRoles;
  /** Connected as alice's login role: alice is verified, the primary owner and the rollback authority. */
  let asAlice: Executor;
  let receiver: Receiver;
  let answers: (n: number, path: string) => Answer;
  let clock: Date;

  beforeAll(async () => {
    database = await freshDatabase('paging_life');
    roles = await peopleRoles(['alice']);
    asAlice = await connect({ database: roles.urlOf('alice', database.name), embeddedDir: '', applicationName: 'midair-test alice' });
  });
  afterAll(async () => {
    await asAlice?.close();
    // The role owns objects in the database: the database goes first.
    await database?.drop();
    await roles?.drop();
  });
  beforeEach(async () => {
    clock = T0;
    answers = () => 200;
    receiver = await startReceiver((n, path) => answers(n, path));
    await asAlice.exec(`DROP SCHEMA IF EXISTS midair CASCADE; DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;
      DO $$ DECLARE s text; BEGIN FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'public\\_%' LOOP EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP; END $$;
      CREATE TABLE items (id integer PRIMARY KEY, price text NOT NULL, note text);
      INSERT INTO items SELECT g, g::text, 'n' || g FROM generate_series(1, 300) g;`);
  });
  afterEach(async () => {
    await receiver.close();
  });

  const teamOf = (channels: PagingChannel[]) => pagingTeam(channels, { escalateAfterMinutes: 15, roles: { alice: roles.role.alice! } });

  /** Midair as alice under a team paging through `channels`, on the test's clock; a verb waits for its notifications (to a local receiver) as `pager` says. */
  function midairWith(channels: PagingChannel[], db: Executor = asAlice, pager: PagingOptions = { waitMs: 60_000 }, reporter: Reporter = silentReporter): Midair {
    const settings = { ...resolveConfig({ team: teamOf(channels) }, { baseDir: process.cwd(), database: database.url, env: {} }), traffic: TEST_BOUNDS };
    return new Midair(db, settings, reporter, undefined, () => clock, { backoff: async () => {}, ...pager });
  }
  const hook = (): PagingChannel => ({ name: 'hook', kind: 'webhook', url: receiver.url('/hook') });

  it('stage changes (start, advance) inform the primary owner and page nobody', async () => {
    const midair = midairWith([hook()]);
    await midair.start(PRICE_CENTS);
    await midair.backfill();
    await midair.verify();
    await midair.advance('price_cents', 'shadow');
    expect(receiver.bodies('/hook')).toMatchObject([
      { event: 'stage changed', level: 'info', migration: 'price_cents', stage: 'expanded', person: { id: 'alice', owner: 'primary' }, message: 'migration price_cents is expanded (`midair start` by alice)' },
      { event: 'stage changed', level: 'info', stage: 'shadow', message: 'migration price_cents moved from expanded to shadow (`midair advance` by alice)' },
    ]);
    expect(await openPages(asAlice)).toEqual([]);
    const sent = await asAlice.query<{ person: string; verified_by: string }>(`SELECT person, verified_by FROM midair.audit_log WHERE action = 'page sent'`);
    expect(sent).toEqual([{ person: 'alice', verified_by: 'role' }, { person: 'alice', verified_by: 'role' }]);
  });

  it('a failed step pages the primary, escalates to the secondary when nobody acknowledges, and stops after `ack`', async () => {
    const midair = midairWith([hook()]);
    const error = await midair.start(FAILS).then(() => null, (e: unknown) => e as Error);
    expect(error).not.toBeInstanceOf(MidairRefusal);
    expect(error?.message).toMatch(/division by zero/);
    expect(receiver.bodies('/hook')).toMatchObject([{ event: 'step failed', level: 'critical', migration: 'fails_at_start', person: { id: 'alice' } }]);
    expect(await openPages(asAlice, 'fails_at_start')).toMatchObject([{ event: 'step failed', tier: 0 }]);
    clock = minutes(15);
    expect(await midair.escalate()).toMatchObject([{ from: 'alice', to: 'bob' }]);
    clock = minutes(20);
    expect((await midair.ack('fails_at_start')).acknowledged).toMatchObject([{ ackedBy: 'alice', ackedAt: minutes(20).toISOString() }]);
    clock = minutes(60);
    expect(await midair.escalate()).toEqual([]);
    expect(receiver.bodies('/hook').map((b) => [b.event, (b.person as { id: string } | null)?.id])).toEqual([['step failed', 'alice'], ['step failed', 'bob'], ['acknowledged', 'bob']]);
  });

  it('a later verb escalates the due pages of its own migration; those of other migrations are left to `midair pager`', async () => {
    const midair = midairWith([hook()]);
    await midair.init();
    const team = teamOf([hook()]);
    const guard = (name: string) => ({ event: 'guard fired', level: 'critical', migration: name, stage: 'live', message: `guard of ${name}` }) as const;
    await raise(asAlice, ALICE, team, guard('price_cents'), T0, { definition: PRICE_CENTS });
    await raise(asAlice, ALICE, team, guard('other'), T0, { definition: { ...PRICE_CENTS, name: 'other' } });
    clock = minutes(16);
    await midair.start(PRICE_CENTS);
    expect(receiver.bodies('/hook').map((b) => [b.event, b.migration, (b.person as { id: string }).id])).toEqual([
      ['guard fired', 'price_cents', 'alice'],
      ['guard fired', 'other', 'alice'],
      ['stage changed', 'price_cents', 'alice'],
      ['guard fired', 'price_cents', 'bob'],
    ]);
    expect(await midair.escalate()).toMatchObject([{ migration: 'other', from: 'alice', to: 'bob' }]);
  });

  it('verbs return while a channel hangs; close() waits at most closeWaitMs, abandons the rest (saying so once), and the audit log has what was done', async () => {
    const own = await connect({ database: roles.urlOf('alice', database.name), embeddedDir: '', applicationName: 'midair-test alice closing' });
    const warnings: string[] = [];
    const reporter: Reporter = { ...silentReporter, warn: (m) => void warnings.push(m) };
    const down: PagingChannel = { name: 'down', kind: 'slack', url: await refusingUrl(), retries: 3 };
    // A backoff that never ends by itself: only close() ends it.
    const midair = midairWith([{ ...hook(), timeoutMs: 600_000, retries: 1 }, down], own, { waitMs: 50, closeWaitMs: 1000, backoff: () => new Promise(() => {}) }, reporter);
    answers = () => 'hang';
    await midair.start(PRICE_CENTS);
    expect(await midair.rollback('price_cents')).toMatchObject({ migration: 'price_cents', stage: 'rolled_back' });
    await midair.close();
    expect(warnings.filter((w) => /abandoned at close/.test(w))).toHaveLength(1);
    const rows = await asAlice.query<{ action: string; channel: string; error: string; event: string }>(
      `SELECT action, details->>'channel' AS channel, details->>'error' AS error, details->>'event' AS event FROM midair.audit_log WHERE action LIKE 'page %' ORDER BY id`,
    );
    // Each notification: 'down' refused once (its retry waited for a backoff that close() cut short), the hook's post abandoned.
    const sorted = rows.map((r) => [r.action, r.channel, r.error]).sort();
    expect(sorted).toEqual([
      ['page failed', 'hook', 'abandoned: midair closed'],
      ['page failed', 'hook', 'abandoned: midair closed'],
      ['page retry', 'down', 'ECONNREFUSED'],
      ['page retry', 'down', 'ECONNREFUSED'],
    ]);
    expect(await asAlice.query(`SELECT stage FROM midair.migrations WHERE name = 'price_cents'`)).toEqual([{ stage: 'rolled_back' }]);
  });

  it('a rollback succeeds while every channel fails: one never answers, one refuses connections', async () => {
    const midair = midairWith([{ ...hook(), timeoutMs: 600_000, retries: 0 }, { name: 'down', kind: 'slack', url: await refusingUrl(), retries: 3 }], asAlice, { waitMs: 50 });
    await midair.start(PRICE_CENTS);
    answers = () => 'hang';
    const result = await midair.rollback('price_cents');
    expect(result).toMatchObject({ migration: 'price_cents', stage: 'rolled_back' });
    expect(await asAlice.query(`SELECT stage FROM midair.migrations WHERE name = 'price_cents'`)).toEqual([{ stage: 'rolled_back' }]);
  });

  it('the kill switch holds while every channel fails', async () => {
    const midair = midairWith([{ ...hook(), url: await refusingUrl(), retries: 5 }], asAlice, { waitMs: 50 });
    await midair.start(PRICE_CENTS);
    await midair.backfill();
    await midair.verify();
    await midair.advance('price_cents', 'shadow');
    answers = () => 500;
    const result = await midair.kill('price_cents', { reason: 'drill' });
    expect(result).toMatchObject({ alreadyKilled: false, killed: { reason: 'drill' } });
    const [row] = await asAlice.query<{ killed: unknown }>(`SELECT killed FROM midair.migrations WHERE name = 'price_cents'`);
    expect(row!.killed).toMatchObject({ reason: 'drill' });
  });

  it('a guard that pulls the kill switch pages the primary as critical', async () => {
    const midair = midairWith([hook()]);
    await midair.start(PRICE_CENTS);
    await midair.backfill();
    await midair.verify();
    await midair.advance('price_cents', 'shadow');
    const [{ id }] = (await asAlice.query<{ id: number }>(`SELECT id::int AS id FROM midair.migrations WHERE name = 'price_cents'`)) as [{ id: number }];
    await reportMetrics(asAlice, id, [compares('shadow', 500)]);
    await midair.advance('price_cents', 'live', { percent: 30 });
    await reportMetrics(asAlice, id, [compares('live', 200, 10)]);
    const breach = await midair.enforceGuards('price_cents');
    expect(breach).toMatchObject({ migration: 'price_cents', guard: 'mismatch rate', pulled: true });
    await expect.poll(() => receiver.bodies('/hook').map((b) => b.event), { timeout: 60_000 }).toContain('guard fired');
    expect(receiver.bodies('/hook').find((b) => b.event === 'guard fired')).toMatchObject({ level: 'critical', stage: 'live', person: { id: 'alice' } });
    await expect.poll(() => openPages(asAlice, 'price_cents'), { timeout: 60_000 }).toMatchObject([{ event: 'guard fired' }]);
  });

  it('page-test sends through every channel, backups too, and reports each', async () => {
    const midair = midairWith([{ ...hook(), backup: 'down' }, { name: 'down', kind: 'slack', url: await refusingUrl(), retries: 0 }]);
    const deliveries = await midair.pageTest();
    expect(deliveries).toMatchObject([{ channel: 'hook', deliveredBy: 'hook' }, { channel: 'down', deliveredBy: null, attempts: [{ error: 'ECONNREFUSED' }] }]);
    expect(receiver.bodies('/hook')).toMatchObject([{ event: 'test', level: 'info', person: null }]);
  });

  it('ack refuses someone who is not a verified person of the team', async () => {
    const asPostgres = await connect({ database: database.url, embeddedDir: '', applicationName: 'midair-test' });
    try {
      const error = await midairWith([hook()], asPostgres).ack('price_cents').then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(MidairRefusal);
      expect(error).toMatchObject({ reason: 'not allowed' });
    } finally {
      await asPostgres.close();
    }
  });
});
