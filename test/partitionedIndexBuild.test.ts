import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineMigration, Midair, MidairError, op } from '../src/index.js';
import { silentReporter } from '../src/lifecycle/context.js';
import { indexesOf } from './support/operationCase.js';
import { openTarget, type Target } from './support/targets.js';

const EVENTS = `CREATE TABLE events (id int, region text, note text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');
CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us');
CREATE TABLE users (id int PRIMARY KEY);
INSERT INTO events VALUES (1, 'eu', 'same'), (2, 'eu', 'same'), (3, 'us', 'other');`;

const failure = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as MidairError);

describe('index builds on a partitioned table (real PostgreSQL)', () => {
  let target: Target;
  beforeAll(async () => {
    target = await openTarget('postgres', 'partitioned_index');
  });
  afterAll(async () => {
    await target?.close();
  });

  it('a build that fails on one partition resumes on the next start, and rollback removes every piece', async () => {
    await target.reset();
    await target.db.exec(EVENTS);
    await target.db.exec(`UPDATE events SET note = 'fixed' WHERE id = 2`);
    const midair = target.midair();
    await midair.init();
    const before = await target.snapshot();
    const unique = defineMigration({ name: 'unique_note', operations: [op.addConstraint({ table: 'events', name: 'events_region_note_key', unique: ['region', 'note'] })] });
    // A long transaction holds the second partition: its build gives up after the first one's is done.
    const blocker = await target.old();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE events_us IN SHARE MODE');
    const impatient = new Midair(target.db, { ...midair.config, lockRetries: 0 }, silentReporter);
    const error = await failure(impatient.start(unique));
    await blocker.query('COMMIT');
    expect(error?.message).toMatch(/could not get a lock/);
    expect(await indexesOf(await target.old(), 'events_eu')).toContain('CREATE UNIQUE INDEX events_eu_events_region_note_key ON public.events_eu USING btree (region, note)');
    expect(await indexesOf(await target.old(), 'events_us')).not.toContain(expect.stringContaining('events_region_note_key'));
    expect(await midair.start(unique)).toMatchObject({ stage: 'expanded', resumed: true });
    expect(await indexesOf(await target.old(), 'events')).toContain('CREATE UNIQUE INDEX events_region_note_key ON ONLY public.events USING btree (region, note)');
    expect((await midair.plan(unique)).warnings).toEqual([expect.stringMatching(/stays a unique index/)]);
    await midair.rollback();
    expect(await target.snapshot()).toEqual(before);
  });

  it('refuses at plan what a partitioned table cannot take online', async () => {
    await target.reset();
    await target.db.exec(EVENTS);
    const midair = target.midair();
    const withoutKey = defineMigration({ name: 'note_key', operations: [op.addConstraint({ table: 'events', name: 'events_note_key', unique: ['note'] })] });
    expect((await failure(midair.plan(withoutKey)))?.message).toMatch(/unique index on partitioned table "events" must include its partition key \(region\)/);
    const foreignKey = defineMigration({
      name: 'event_user',
      operations: [op.addConstraint({ table: 'events', name: 'events_user_fkey', foreignKey: { columns: ['id'], references: { table: 'users', columns: ['id'] } } })],
    });
    expect((await failure(midair.plan(foreignKey)))?.message).toMatch(/foreign key on partitioned table "events"/);
    const partitionAsTable = defineMigration({ name: 'eu_note', operations: [op.dropColumn({ table: 'events_eu', column: 'note' })] });
    expect((await failure(midair.plan(partitionAsTable)))?.message).toMatch(/table "events_eu" does not exist/);
  });
});
