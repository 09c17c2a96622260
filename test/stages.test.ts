import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { processActor } from '../src/people/actor.js';
import { connect } from '../src/db/connect.js';
import type { Executor } from '../src/db/executor.js';
import { compileRecord } from '../src/lifecycle/compileRecord.js';
import { resolveConfig, TRAFFIC_DEFAULTS } from '../src/config/load.js';
import { createMidair, defineMigration, MidairRefusal, op, type Midair } from '../src/index.js';
import { advance, gate } from '../src/stages/machine.js';
import { activeMigrations } from '../src/state/store.js';
import { freshDatabase } from './support/databases.js';
import { openTarget, type Target } from './support/targets.js';

const ITEMS = `CREATE TABLE items (id integer PRIMARY KEY, price text NOT NULL, note text);
CREATE INDEX items_note_idx ON items (note);
INSERT INTO items SELECT g, g::text, 'n' || g FROM generate_series(1, 300) g;`;

/** price becomes integer cents, unique: a new column, an index built online, up and down. */
const cents = defineMigration({
  name: 'price_cents',
  operations: [op.alterColumn({ table: 'items', column: 'price', type: 'integer', unique: true, up: 'price::integer', down: 'price::text' })],
});

/** The refusal a promise rejects with (fails the test if it resolves or throws something else). */
async function refusal(promise: Promise<unknown>): Promise<MidairRefusal> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(MidairRefusal);
  return error as MidairRefusal;
}

describe('the stage machine refuses what would be wrong (real PostgreSQL)', () => {
  let target: Target;
  let midair: Midair;

  beforeAll(async () => {
    target = await openTarget('postgres', 'stages');
  });
  afterAll(async () => {
    await target?.close();
  });
  beforeEach(async () => {
    await target.reset();
    await target.db.exec(ITEMS);
    midair = target.midair();
    await midair.start(cents);
  });

  /** The database as a refused command must leave it: schema, stage, audit log and verifications. */
  async function state() {
    return {
      snapshot: await target.snapshot(),
      migrations: await target.db.query(`SELECT name, stage, stage_changed_at::text FROM midair.migrations ORDER BY id`),
      audit: await target.db.query(`SELECT count(*)::int AS n FROM midair.audit_log`),
    };
  }

  /** `command` is refused for `reason`, with `message`, and changes nothing. */
  async function refusedUnchanged(command: () => Promise<unknown>, reason: string, message: RegExp): Promise<MidairRefusal> {
    const before = await state();
    const error = await refusal(command());
    expect(error.reason).toBe(reason);
    expect(error.message).toMatch(message);
    expect(await state()).toEqual(before);
    return error;
  }

  it('complete refuses a migration that was never verified, and says to run verify', async () => {
    await midair.backfill();
    const error = await refusedUnchanged(() => midair.complete(), 'unverified', /migration "price_cents" was never verified/);
    expect(error.hint).toMatch(/run `midair verify`/);
    await midair.verify();
    expect(await midair.complete()).toMatchObject({ stage: 'complete' });
  });

  it('complete refuses after a verification that found mismatches, until a clean one', async () => {
    await midair.backfill();
    await target.db.exec(`ALTER TABLE items DISABLE TRIGGER USER; UPDATE items SET _midair_new_price = 0 WHERE id = 7; ALTER TABLE items ENABLE TRIGGER USER`);
    expect(await midair.verify()).toMatchObject({ mismatches: 1 });
    await refusedUnchanged(() => midair.complete(), 'unverified', /the last verification of migration "price_cents" \(.+\) found 1 mismatches and 0 rows not backfilled/);
    await target.db.exec(`UPDATE items SET price = price WHERE id = 7`); // an old-release write syncs it again
    expect(await midair.verify()).toMatchObject({ mismatches: 0 });
    expect(await midair.complete()).toMatchObject({ stage: 'complete' });
  });

  it('complete refuses a verification older than the last backfill progress', async () => {
    await midair.backfill();
    expect(await midair.verify()).toMatchObject({ mismatches: 0, unsynced: 0 });
    // Rows written with the triggers bypassed; the next backfill brings them in line, after the verification.
    await target.db.exec(`SET session_replication_role = replica; UPDATE items SET price = (id + 1000)::text, _midair_source = NULL WHERE id <= 10; SET session_replication_role = origin`);
    await midair.backfill();
    await refusedUnchanged(() => midair.complete(), 'unverified', /the last verification of migration "price_cents" \(.+\) is older than its last backfill progress or the end of its expand/);
    expect(await midair.verify()).toMatchObject({ mismatches: 0, unsynced: 0, rowsChecked: 300 });
    expect(await midair.complete()).toMatchObject({ stage: 'complete' });
  });

  it('complete with force and a reason goes past verification and records both in the audit log', async () => {
    await midair.backfill();
    await refusedUnchanged(() => midair.complete(undefined, { force: { reason: ' ' } }), 'stage', /--force needs --reason/);
    expect(await midair.complete(undefined, { force: { reason: 'verified on the replica, INC-42' } })).toMatchObject({ stage: 'complete' });
    const rows = await target.db.query<{ action: string; from_stage: string; to_stage: string; details: { forced: { reason: string; overridden: string[] } } }>(
      `SELECT action, from_stage, to_stage, details FROM midair.audit_log WHERE action = 'complete'`,
    );
    expect(rows).toEqual([
      {
        action: 'complete', from_stage: 'expanded', to_stage: 'complete',
        details: expect.objectContaining({ forced: { reason: 'verified on the replica, INC-42', overridden: [expect.stringMatching(/was never verified/)] } }),
      },
    ]);
  });

  it('force never goes past rows that are not backfilled', async () => {
    await refusedUnchanged(() => midair.complete(undefined, { force: { reason: 'in a hurry' } }), 'unsynced', /300 rows are not backfilled yet/);
  });

  it('complete refuses when someone else changed the tables, showing each difference', async () => {
    await midair.backfill();
    await midair.verify();
    await target.db.exec(`ALTER TABLE items ADD COLUMN extra integer; DROP INDEX items_note_idx; DROP INDEX items_price_key`);
    const error = await refusedUnchanged(() => midair.complete(), 'drift', /the tables of migration "price_cents" changed since it started/);
    expect(error.details?.drift).toEqual([
      'column "items"."extra" (integer) was added by someone else',
      'index "items_note_idx" on "items" btree (note) was dropped',
      'index "items_price_key", built by this migration, is missing or invalid',
    ]);
    expect(error.message).toContain('\n  column "items"."extra" (integer) was added by someone else\n');
    expect(error.hint).toMatch(/--force --reason/);
  });

  it('rollback refuses when someone else changed the tables, and --force --reason rolls back anyway', async () => {
    await target.db.exec(`ALTER TABLE items ADD COLUMN extra integer; DROP INDEX items_note_idx`);
    const error = await refusedUnchanged(() => midair.rollback(), 'drift', /changed since it started, so rollback could break or lose them/);
    expect(error.details?.drift).toEqual(['column "items"."extra" (integer) was added by someone else', 'index "items_note_idx" on "items" btree (note) was dropped']);
    expect(await midair.rollback(undefined, { force: { reason: 'the index goes in another migration' } })).toMatchObject({ stage: 'rolled_back' });
    const [row] = await target.db.query<{ details: { forced: { reason: string; overridden: string[] } } }>(`SELECT details FROM midair.audit_log WHERE action = 'rollback'`);
    expect(row?.details.forced).toEqual({ reason: 'the index goes in another migration', overridden: [error.message] });
  });

  it('backfill and verify are refused in a stage that does not allow them', async () => {
    await target.db.exec(`UPDATE midair.migrations SET stage = 'rolling_back'`);
    await refusedUnchanged(() => midair.backfill(), 'stage', /migration "price_cents" is rolling_back, so `backfill` cannot run now/);
    await refusedUnchanged(() => midair.verify(), 'stage', /is rolling_back, so `verify` cannot run now/);
    await refusedUnchanged(() => midair.complete(), 'stage', /is rolling_back, so it cannot become complete/);
  });
});

describe('two operators moving the same migration at once (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let a: Executor;
  let b: Executor;

  beforeAll(async () => {
    database = await freshDatabase('stage_race');
    a = await connect({ database: database.url, embeddedDir: '', applicationName: 'operator-a' });
    b = await connect({ database: database.url, embeddedDir: '', applicationName: 'operator-b' });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  it('exactly one advance wins; the other is refused and its transaction changes nothing', async () => {
    await a.exec(ITEMS);
    const midair = await createMidair({ executor: a, resolved: resolveConfig({ database: database.url }, { baseDir: process.cwd(), env: {} }) });
    await midair.start(cents);

    // Both read the migration while it is expanded and pass its gates.
    const recordA = (await activeMigrations(a, 'public'))[0]!;
    const recordB = (await activeMigrations(b, 'public'))[0]!;
    const passageA = await gate(a, recordA, compileRecord(recordA), 'rolling_back', { bounds: TRAFFIC_DEFAULTS, asker: { actor: processActor(), team: null, budgets: { services: {}, minBudgetLeft: 25 }, now: new Date() } });
    const passageB = await gate(b, recordB, compileRecord(recordB), 'rolling_back', { bounds: TRAFFIC_DEFAULTS, asker: { actor: processActor(), team: null, budgets: { services: {}, minBudgetLeft: 25 }, now: new Date() } });

    // A moves it and holds its transaction open until B's update waits for A's row lock.
    let commitA!: () => void;
    const aHolds = new Promise<void>((resolve) => (commitA = resolve));
    let aMoved!: () => void;
    const aHasMoved = new Promise<void>((resolve) => (aMoved = resolve));
    const movingA = a.transaction(async (tx) => {
      await advance(tx, recordA, passageA, { operator: 'a' });
      aMoved();
      await aHolds;
    });
    await aHasMoved;
    const refusedB = refusal(b.transaction((tx) => advance(tx, recordB, passageB, { operator: 'b' })));
    for (;;) {
      const waiting = await a.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'operator-b' AND wait_event_type = 'Lock'`);
      if (waiting.length) break;
    }
    commitA();
    await movingA;
    const error = await refusedB;
    expect(error.reason).toBe('raced');
    expect(error.message).toBe('migration "price_cents" is no longer expanded: another operator moved it to rolling_back first');

    expect(await a.query(`SELECT stage FROM midair.migrations`)).toEqual([{ stage: 'rolling_back' }]);
    expect(await a.query(`SELECT details FROM midair.audit_log WHERE to_stage = 'rolling_back'`)).toEqual([{ details: { operator: 'a' } }]);
  });
});
