import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { connect } from '../src/db/connect.js';
import type { Executor } from '../src/db/executor.js';
import { silentReporter } from '../src/lifecycle/context.js';
import { defineMigration, MidairRefusal, op } from '../src/index.js';
import { Midair } from '../src/midair.js';
import { openPages } from '../src/people/paging/index.js';
import type { PagingChannel } from '../src/people/team.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';
import { OWNERS, pagingTeam } from './support/pagingTeam.js';
import { peopleRoles, type PeopleRoles } from './support/people.js';
import { refusingUrl, startReceiver, type Answer, type Receiver } from './support/receiver.js';
import { compares, reportMetrics, TEST_BOUNDS } from './support/trafficEvidence.js';

// A Monday afternoon in Berlin, morning in New York: the owners a risky step needs are at work (the schedule guard).
const T0 = new Date('2026-03-02T15:00:00.000Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

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

  /** Midair as alice under a team paging through `channels`, on the test's clock; urgent notifications waited for 50 ms at most. */
  function midairWith(channels: PagingChannel[], db: Executor = asAlice): Midair {
    const team = pagingTeam(channels, { escalateAfterMinutes: 15, roles: { alice: roles.role.alice! } });
    const settings = { ...resolveConfig({ team }, { baseDir: process.cwd(), database: database.url, env: {} }), traffic: TEST_BOUNDS };
    return new Midair(db, settings, silentReporter, undefined, () => clock, { backoff: async () => {}, urgentWaitMs: 50 });
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

  it('escalation also runs at the end of a later verb: no pager process needed for it to happen', async () => {
    const midair = midairWith([hook()]);
    await midair.start(FAILS).catch(() => undefined);
    clock = minutes(16);
    await midair.start(PRICE_CENTS);
    expect(receiver.bodies('/hook').map((b) => [b.event, (b.person as { id: string }).id])).toEqual([['step failed', 'alice'], ['stage changed', 'alice'], ['step failed', 'bob']]);
  });

  it('a rollback succeeds while every channel fails: one never answers, one refuses connections', async () => {
    const midair = midairWith([{ ...hook(), timeoutMs: 600_000, retries: 0 }, { name: 'down', kind: 'slack', url: await refusingUrl(), retries: 3 }]);
    await midair.start(PRICE_CENTS);
    answers = () => 'hang';
    const result = await midair.rollback('price_cents');
    expect(result).toMatchObject({ migration: 'price_cents', stage: 'rolled_back' });
    expect(await asAlice.query(`SELECT stage FROM midair.migrations WHERE name = 'price_cents'`)).toEqual([{ stage: 'rolled_back' }]);
  });

  it('the kill switch holds while every channel fails', async () => {
    const midair = midairWith([{ ...hook(), url: await refusingUrl(), retries: 5 }]);
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
    // Urgent notifications are waited for 50 ms at most: wait for the page itself.
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
