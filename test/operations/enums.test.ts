import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { columnsOf, describeOperationCases, indexesOf, type OperationCase } from '../support/operationCase.js';
import { DRIVERS, openTarget, type Shape, type Target } from '../support/targets.js';
import { runUnderWrites, type UnderWritesCase } from '../support/underWrites.js';

/** The labels of an enum of public, in sort order (pg_enum), or null when there is no such type. */
async function labelsOf(shape: Shape, name: string): Promise<string[] | null> {
  const [row] = await shape.query<{ labels: string[] | null }>(
    `SELECT CASE WHEN to_regtype($1) IS NOT NULL THEN array(SELECT enumlabel::text FROM pg_enum WHERE enumtypid = to_regtype($1) ORDER BY enumsortorder) END AS labels`,
    [`public.${name}`],
  );
  return row!.labels;
}

const TICKETS = `CREATE TYPE mood AS ENUM ('low', 'mid', 'high');
CREATE TABLE tickets (id serial PRIMARY KEY, title text NOT NULL, status mood NOT NULL DEFAULT 'low');
CREATE INDEX tickets_status_idx ON tickets (status);
INSERT INTO tickets (title, status) VALUES ('a', 'low'), ('b', 'mid'), ('c', 'high');`;

const STATUS_IDX = 'CREATE INDEX tickets_status_idx ON public.tickets USING btree (status)';
const PKEY = 'CREATE UNIQUE INDEX tickets_pkey ON public.tickets USING btree (id)';

/** mood → priority: 'mid' is renamed 'medium', 'urgent' is new (the old release sees it as 'high'). */
const TO_PRIORITY = [
  op.createEnum({ name: 'priority', values: ['low', 'medium', 'high', 'urgent'] }),
  op.alterColumn({
    table: 'tickets', column: 'status', type: 'priority',
    up: `CASE status::text WHEN 'mid' THEN 'medium' ELSE status::text END::priority`,
    down: `CASE status::text WHEN 'medium' THEN 'mid' WHEN 'urgent' THEN 'high' ELSE status::text END::mood`,
  }),
];

const CASES: OperationCase[] = [
  {
    title: 'createEnum, used by a column added in the same migration',
    setup: TICKETS,
    migration: defineMigration({
      name: 'ticket_state',
      operations: [
        op.createEnum({ name: 'state', values: ['open', 'closed'] }),
        op.addColumn({ table: 'tickets', column: { name: 'state', type: 'state', default: `'open'`, nullable: false } }),
      ],
    }),
    async expanded({ old, next }) {
      expect(await labelsOf(old, 'state')).toEqual(['open', 'closed']);
      await old.query(`INSERT INTO tickets (title) VALUES ('d')`);
      await next.query(`INSERT INTO tickets (title, state) VALUES ('e', 'closed')`);
      await next.query(`UPDATE tickets SET state = 'closed' WHERE id = 1`);
      await expect(next.query(`UPDATE tickets SET state = 'gone' WHERE id = 2`)).rejects.toThrow(/invalid input value for enum state/);
      expect(await next.query(`SELECT id, state FROM tickets ORDER BY id`)).toEqual([
        { id: 1, state: 'closed' }, { id: 2, state: 'open' }, { id: 3, state: 'open' }, { id: 4, state: 'open' }, { id: 5, state: 'closed' },
      ]);
    },
    async completed({ old }) {
      expect(await columnsOf(old, 'tickets')).toEqual([
        'id integer NOT NULL DEFAULT nextval(\'tickets_id_seq\'::regclass)', 'title text NOT NULL', `status mood NOT NULL DEFAULT 'low'::mood`, `state state NOT NULL DEFAULT 'open'::state`,
      ]);
      expect(await labelsOf(old, 'state')).toEqual(['open', 'closed']);
    },
    async rolledBack(old) {
      expect(await labelsOf(old, 'state')).toBeNull();
      expect(await old.query(`SELECT id, title FROM tickets ORDER BY id`)).toEqual([
        { id: 1, title: 'a' }, { id: 2, title: 'b' }, { id: 3, title: 'c' }, { id: 4, title: 'd' }, { id: 5, title: 'e' },
      ]);
    },
  },
  {
    title: 'alterColumn from one enum to another: up and down map labels, the default and the index follow',
    setup: TICKETS,
    migration: defineMigration({ name: 'to_priority', operations: TO_PRIORITY }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO tickets (title, status) VALUES ('d', 'mid')`);
      await old.query(`INSERT INTO tickets (title) VALUES ('e')`);
      await next.query(`INSERT INTO tickets (title, status) VALUES ('f', 'urgent')`);
      await next.query(`UPDATE tickets SET status = 'medium' WHERE id = 1`);
      await next.query(`INSERT INTO tickets (title) VALUES ('g')`);
      // Rows written since start (the others get the new column's value from backfill).
      expect(await next.query(`SELECT id, status FROM tickets WHERE id IN (1, 4, 5, 6, 7) ORDER BY id`)).toEqual([
        { id: 1, status: 'medium' }, { id: 4, status: 'medium' }, { id: 5, status: 'low' }, { id: 6, status: 'urgent' }, { id: 7, status: 'low' },
      ]);
      expect(await old.query(`SELECT id, status FROM tickets ORDER BY id`)).toEqual([
        { id: 1, status: 'mid' }, { id: 2, status: 'mid' }, { id: 3, status: 'high' }, { id: 4, status: 'mid' },
        { id: 5, status: 'low' }, { id: 6, status: 'high' }, { id: 7, status: 'low' },
      ]);
    },
    async completed({ old, next }) {
      expect(await columnsOf(old, 'tickets')).toEqual([
        'id integer NOT NULL DEFAULT nextval(\'tickets_id_seq\'::regclass)', 'title text NOT NULL', `status priority NOT NULL DEFAULT 'low'::priority`,
      ]);
      expect(await indexesOf(old, 'tickets')).toEqual([STATUS_IDX, PKEY]);
      expect(await labelsOf(old, 'priority')).toEqual(['low', 'medium', 'high', 'urgent']);
      // The old type stays until a later migration drops it (op.dropEnum).
      expect(await labelsOf(old, 'mood')).toEqual(['low', 'mid', 'high']);
      await next.query(`INSERT INTO tickets (title) VALUES ('h')`);
      expect(await next.query(`SELECT status FROM tickets WHERE title = 'h'`)).toEqual([{ status: 'low' }]);
    },
    async rolledBack(old) {
      expect(await labelsOf(old, 'priority')).toBeNull();
      expect(await old.query(`SELECT id, status FROM tickets ORDER BY id`)).toEqual([
        { id: 1, status: 'mid' }, { id: 2, status: 'mid' }, { id: 3, status: 'high' }, { id: 4, status: 'mid' },
        { id: 5, status: 'low' }, { id: 6, status: 'high' }, { id: 7, status: 'low' },
      ]);
    },
  },
  {
    title: 'alterColumn from an enum to text, with the default up and down',
    setup: TICKETS,
    migration: defineMigration({ name: 'status_text', operations: [op.alterColumn({ table: 'tickets', column: 'status', type: 'text' })] }),
    async expanded({ old, next }) {
      await old.query(`UPDATE tickets SET status = 'high' WHERE id = 1`);
      await next.query(`INSERT INTO tickets (title) VALUES ('d')`);
      await next.query(`UPDATE tickets SET status = 'mid' WHERE id = 3`);
      // Until complete the old release must read every value: only labels of mood can be written.
      await expect(next.query(`UPDATE tickets SET status = 'other' WHERE id = 2`)).rejects.toThrow(/invalid input value for enum mood/);
      expect(await next.query(`SELECT id, status, pg_typeof(status)::text AS type FROM tickets WHERE id <> 2 ORDER BY id`)).toEqual([
        { id: 1, status: 'high', type: 'text' }, { id: 3, status: 'mid', type: 'text' }, { id: 4, status: 'low', type: 'text' },
      ]);
      expect(await old.query(`SELECT id, status FROM tickets ORDER BY id`)).toEqual([
        { id: 1, status: 'high' }, { id: 2, status: 'mid' }, { id: 3, status: 'mid' }, { id: 4, status: 'low' },
      ]);
    },
    async completed({ old, next }) {
      expect(await columnsOf(old, 'tickets')).toEqual([
        'id integer NOT NULL DEFAULT nextval(\'tickets_id_seq\'::regclass)', 'title text NOT NULL', `status text NOT NULL DEFAULT 'low'::text`,
      ]);
      expect(await indexesOf(old, 'tickets')).toEqual([STATUS_IDX, PKEY]);
      await next.query(`UPDATE tickets SET status = 'other' WHERE id = 2`);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT id, status FROM tickets ORDER BY id`)).toEqual([
        { id: 1, status: 'high' }, { id: 2, status: 'mid' }, { id: 3, status: 'mid' }, { id: 4, status: 'low' },
      ]);
    },
  },
  {
    title: 'alterColumn from text to an enum created in the same migration, with an up that maps every text and the default down',
    setup: `CREATE TABLE tickets (id serial PRIMARY KEY, status text NOT NULL DEFAULT 'open');
INSERT INTO tickets (status) VALUES ('open'), ('closed'), ('open');`,
    migration: defineMigration({
      name: 'status_enum',
      operations: [
        op.createEnum({ name: 'state', values: ['open', 'closed'] }),
        op.alterColumn({ table: 'tickets', column: 'status', type: 'state', up: `CASE WHEN status IN ('open', 'closed') THEN status ELSE 'open' END::state` }),
      ],
    }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO tickets DEFAULT VALUES`);
      // The old release may write any text: up gives the new release a label for it.
      await old.query(`INSERT INTO tickets (status) VALUES ('pending')`);
      expect(await next.query(`SELECT status FROM tickets WHERE id = 5`)).toEqual([{ status: 'open' }]);
      await next.query(`UPDATE tickets SET status = 'closed' WHERE id = 1`);
      await expect(next.query(`UPDATE tickets SET status = 'other' WHERE id = 2`)).rejects.toThrow(/invalid input value for enum state/);
      expect(await next.query(`SELECT id, status FROM tickets WHERE id IN (1, 4) ORDER BY id`)).toEqual([{ id: 1, status: 'closed' }, { id: 4, status: 'open' }]);
      expect(await old.query(`SELECT id, status FROM tickets WHERE id = 1`)).toEqual([{ id: 1, status: 'closed' }]);
    },
    async completed({ old }) {
      expect(await columnsOf(old, 'tickets')).toEqual([
        'id integer NOT NULL DEFAULT nextval(\'tickets_id_seq\'::regclass)', `status state NOT NULL DEFAULT 'open'::state`,
      ]);
    },
    async rolledBack(old) {
      expect(await labelsOf(old, 'state')).toBeNull();
      expect(await old.query(`SELECT id, status FROM tickets ORDER BY id`)).toEqual([
        { id: 1, status: 'closed' }, { id: 2, status: 'closed' }, { id: 3, status: 'open' }, { id: 4, status: 'open' }, { id: 5, status: 'pending' },
      ]);
    },
  },
];

describeOperationCases('enums', CASES);

describe.each(DRIVERS)('%s: enum values', (kind) => {
  let target: Target;
  beforeAll(async () => {
    target = await openTarget(kind, 'enum_values');
  });
  afterAll(async () => {
    await target?.close();
  });

  it('addEnumValue: both releases may write the value from start on; rollback leaves it in the type, as the plan says', async () => {
    for (const end of ['complete', 'rollback'] as const) {
      await target.reset();
      await target.db.exec(TICKETS);
      const midair = target.midair();
      const migration = defineMigration({
        name: 'add_urgent',
        operations: [
          op.addEnumValue({ enum: 'mood', value: 'urgent', after: 'high' }),
          op.addEnumValue({ enum: 'mood', value: 'none', before: 'low' }),
          op.addColumn({ table: 'tickets', column: { name: 'escalated', type: 'mood' } }),
        ],
      });
      const plan = await midair.plan(migration);
      expect(plan.warnings).toContain('operation 1 (addEnumValue): rollback cannot take "urgent" out of enum "mood" (PostgreSQL cannot remove a value from an enum): after a rollback the value stays in the type, and rows written with it keep it');
      expect(plan.expand.slice(0, 2)).toEqual([
        { sql: `ALTER TYPE "public"."mood" ADD VALUE 'urgent' AFTER 'high'`, lock: 'EXCLUSIVE on the type only (reads and writes go on), catalog only' },
        { sql: `ALTER TYPE "public"."mood" ADD VALUE 'none' BEFORE 'low'`, lock: 'EXCLUSIVE on the type only (reads and writes go on), catalog only' },
      ]);
      await midair.start(migration);
      const old = await target.old();
      const next = await target.shape(await midair.latestSearchPath());
      await old.query(`UPDATE tickets SET status = 'urgent' WHERE id = 1`);
      await next.query(`INSERT INTO tickets (title, status, escalated) VALUES ('d', 'none', 'urgent')`);
      expect(await labelsOf(old, 'mood')).toEqual(['none', 'low', 'mid', 'high', 'urgent']);
      if (end === 'complete') {
        await midair.backfill();
        expect(await midair.verify()).toMatchObject({ mismatches: 0, unsynced: 0 });
        await midair.complete();
        expect(await columnsOf(old, 'tickets')).toEqual([
          'id integer NOT NULL DEFAULT nextval(\'tickets_id_seq\'::regclass)', 'title text NOT NULL', `status mood NOT NULL DEFAULT 'low'::mood`, 'escalated mood',
        ]);
      } else {
        await midair.rollback();
        expect(await columnsOf(old, 'tickets')).toEqual(['id integer NOT NULL DEFAULT nextval(\'tickets_id_seq\'::regclass)', 'title text NOT NULL', `status mood NOT NULL DEFAULT 'low'::mood`]);
        // Nothing written is lost: the rows keep the values PostgreSQL cannot take back.
        expect(await old.query(`SELECT id, status FROM tickets WHERE status IN ('urgent', 'none') ORDER BY id`)).toEqual([{ id: 1, status: 'urgent' }, { id: 4, status: 'none' }]);
      }
      expect(await labelsOf(old, 'mood')).toEqual(['none', 'low', 'mid', 'high', 'urgent']);
    }
  });

  it('renameEnumValue: both releases use the old label until complete, which renames it; rollback has nothing to undo', async () => {
    for (const end of ['complete', 'rollback'] as const) {
      await target.reset();
      await target.db.exec(TICKETS);
      const midair = target.midair();
      await midair.init();
      const before = await target.snapshot();
      const migration = defineMigration({
        name: 'rename_mid',
        operations: [
          op.renameEnumValue({ enum: 'mood', from: 'mid', to: 'medium' }),
          op.addColumn({ table: 'tickets', column: { name: 'note', type: 'text' } }),
        ],
      });
      const plan = await midair.plan(migration);
      expect(plan.contract).toContainEqual({ sql: `ALTER TYPE "public"."mood" RENAME VALUE 'mid' TO 'medium'`, lock: 'EXCLUSIVE on the type only, catalog only' });
      expect(plan.warnings).toContain('operation 1 (renameEnumValue): "mid" of enum "mood" is renamed "medium" at complete: until then both releases read and write "mid"');
      await midair.start(migration);
      const old = await target.old();
      const next = await target.shape(await midair.latestSearchPath());
      await old.query(`UPDATE tickets SET status = 'mid' WHERE id = 1`);
      await next.query(`INSERT INTO tickets (title, status) VALUES ('d', 'mid')`);
      expect(await labelsOf(old, 'mood')).toEqual(['low', 'mid', 'high']);
      if (end === 'complete') {
        await midair.backfill();
        await midair.complete();
        expect(await labelsOf(old, 'mood')).toEqual(['low', 'medium', 'high']);
        expect(await next.query(`SELECT id, status FROM tickets ORDER BY id`)).toEqual([
          { id: 1, status: 'medium' }, { id: 2, status: 'medium' }, { id: 3, status: 'high' }, { id: 4, status: 'medium' },
        ]);
      } else {
        await midair.rollback();
        expect(await target.snapshot()).toEqual(before);
        expect(await old.query(`SELECT id, status FROM tickets ORDER BY id`)).toEqual([
          { id: 1, status: 'mid' }, { id: 2, status: 'mid' }, { id: 3, status: 'high' }, { id: 4, status: 'mid' },
        ]);
      }
    }
  });

  it('plan: createEnum in the expand transaction and dropped on rollback; enum to text warns what the new release may write', async () => {
    await target.reset();
    await target.db.exec(TICKETS);
    const plan = await target.midair().plan(defineMigration({ name: 'ticket_state', operations: [op.createEnum({ name: 'state', values: ['open', `it's`] })] }));
    expect(plan.expand).toContainEqual({ sql: `CREATE TYPE "public"."state" AS ENUM ('open', 'it''s')`, lock: 'none (a new type)' });
    expect(plan.rollback).toContainEqual({ sql: 'DROP TYPE IF EXISTS "public"."state"', lock: 'none (nothing uses it any more)' });
    const toText = await target.midair().plan(defineMigration({ name: 'status_text', operations: [op.alterColumn({ table: 'tickets', column: 'status', type: 'text' })] }));
    expect(toText.warnings).toContain('operation 1 (alterColumn): until complete, the new release can write into "tickets"."status" only labels of mood: each of its writes is given back to the old release as mood');
  });

  it('two active migrations cannot change one enum: each enum operation claims its type', async () => {
    await target.reset();
    await target.db.exec(TICKETS);
    const midair = target.midair();
    await midair.start(defineMigration({ name: 'add_urgent', operations: [op.addEnumValue({ enum: 'mood', value: 'urgent' })] }));
    await expect(midair.start(defineMigration({ name: 'rename_mid', operations: [op.renameEnumValue({ enum: 'mood', from: 'mid', to: 'medium' })] })))
      .rejects.toThrow(/^migration "rename_mid" changes tables another active migration is changing: "enum type mood" \(migration "add_urgent"\)$/);
    // Another enum is free.
    await midair.start(defineMigration({ name: 'new_state', operations: [op.createEnum({ name: 'state', values: ['open'] })] }));
  });

  it('dropEnum: refused while something outside the schema\'s tables uses the type, listing it', async () => {
    await target.reset();
    await target.db.exec(`${TICKETS}
      CREATE DOMAIN strong_mood AS mood CHECK (VALUE <> 'low');
      ALTER TABLE tickets ALTER COLUMN status TYPE text; ALTER TABLE tickets ALTER COLUMN status SET DEFAULT 'low';`);
    await expect(target.midair().start(defineMigration({ name: 'drop_mood', operations: [op.dropEnum({ name: 'mood' })] })))
      .rejects.toThrow(/^migration "drop_mood": operation 1 \(dropEnum\): name: 2 objects outside the tables of "public" use enum type "mood", and DROP TYPE would fail at complete; they are: type strong_mood; constraint strong_mood_check$/);
  });

  it('the recipe: a new enum and the column changed to it, complete, then dropEnum of the old type in a later migration', async () => {
    await target.reset();
    await target.db.exec(TICKETS);
    const midair = target.midair();
    await midair.start(defineMigration({ name: 'to_priority', operations: TO_PRIORITY }));
    await midair.backfill();
    await midair.verify();
    await midair.complete();
    await midair.init();
    const before = await target.snapshot();
    const drop = defineMigration({ name: 'drop_mood', operations: [op.dropEnum({ name: 'mood' }), op.addColumn({ table: 'tickets', column: { name: 'note', type: 'text' } })] });
    expect((await midair.plan(drop)).contract).toContainEqual({ sql: 'DROP TYPE "public"."mood"', lock: 'ACCESS EXCLUSIVE on the type, catalog only (nothing uses it)' });
    await midair.start(drop);
    // The old type is there until complete; rollback keeps it.
    expect(await labelsOf(await target.old(), 'mood')).toEqual(['low', 'mid', 'high']);
    await midair.rollback();
    expect(await target.snapshot()).toEqual(before);
    await midair.start(drop);
    await midair.backfill();
    await midair.verify();
    await midair.complete();
    expect(await labelsOf(await target.old(), 'mood')).toBeNull();
    expect(await target.db.query(`SELECT id, status::text AS status FROM tickets ORDER BY id`)).toEqual([
      { id: 1, status: 'low' }, { id: 2, status: 'medium' }, { id: 3, status: 'high' },
    ]);
  });
});

describe('postgres: enum column change under writes', () => {
  const rows = 200;
  const OLD_LABELS = ['low', 'mid', 'high'];
  const NEW_LABELS = ['low', 'medium', 'high', 'urgent'];
  const underWrites = (end: 'complete' | 'rollback'): UnderWritesCase => ({
    label: `enum_writes_${end}`,
    setup: `CREATE TYPE mood AS ENUM ('low', 'mid', 'high');
CREATE TABLE tickets (id integer PRIMARY KEY, status mood NOT NULL DEFAULT 'low');
CREATE INDEX tickets_status_idx ON tickets (status);
INSERT INTO tickets SELECT i, (ARRAY['low', 'mid', 'high'])[i % 3 + 1]::mood FROM generate_series(1, ${rows}) i;`,
    rows,
    migration: defineMigration({ name: 'to_priority', operations: TO_PRIORITY }),
    old: { table: 'tickets', column: 'status' },
    next: { table: 'tickets', column: 'status' },
    // The old release writes old labels, the new release new ones.
    value: (i, release) => (release === 'old' ? OLD_LABELS[i % 3]! : NEW_LABELS[i % 4]!),
    expected: (written, release) => {
      if (end === 'complete') return release === 'old' && written === 'mid' ? 'medium' : written;
      return release === 'new' ? ({ medium: 'mid', urgent: 'high' } as Record<string, string>)[written] ?? written : written;
    },
  });

  it('complete: every write of either release is in the new column, mapped', () =>
    runUnderWrites(underWrites('complete'), 'complete', async (db) => {
      const { rows: types } = await db.query(`SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'tickets'::regclass AND attname = 'status'`);
      expect(types).toEqual([{ type: 'priority' }]);
    }));

  it('rollback: every write of either release is in the old column, mapped back', () =>
    runUnderWrites(underWrites('rollback'), 'rollback', async (db) => {
      const { rows: types } = await db.query(`SELECT to_regtype('priority') AS type`);
      expect(types).toEqual([{ type: null }]);
    }));
});
