import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineMigration, op, type Exclusion, type Migration } from '../../src/index.js';
import { constraintsOf, describeOperationCases, type OperationCase } from '../support/operationCase.js';
import { midairError } from '../support/resetTarget.js';
import { openTarget, type Target } from '../support/targets.js';

const USERS = `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO users (name) VALUES ('ann'), ('bob');`;

const BOOKING_COLUMNS = [
  { name: 'id', type: 'integer' },
  { name: 'room', type: 'integer', nullable: false },
  { name: 'during', type: 'int4range', nullable: false },
  { name: 'cancelled', type: 'boolean', nullable: false, default: 'false' },
];

// A room as a one-point range: gist compares it with && without the btree_gist extension.
const NO_OVERLAP: Exclusion = {
  elements: [{ expression: `int4range(room, room, '[]')`, operator: '&&' }, { column: 'during', operator: '&&' }],
  where: 'NOT cancelled',
  include: ['id'],
};
const NO_OVERLAP_DEFINITION = `bookings_no_overlap EXCLUDE USING gist (int4range(room, room, '[]'::text) WITH &&, during WITH &&) INCLUDE (id) WHERE ((NOT cancelled))`;

/** A new table with an exclusion constraint: refused overlaps from start on, exactly the constraint after complete, no table after rollback. */
function bookingsCase(title: string, operations: Migration['operations']): OperationCase {
  return {
    title,
    setup: USERS,
    migration: defineMigration({ name: 'bookings', operations }),
    async expanded({ old, next }) {
      await next.query(`INSERT INTO bookings (id, room, during) VALUES (1, 1, '[1,5)'), (2, 2, '[1,5)')`);
      await expect(next.query(`INSERT INTO bookings (id, room, during) VALUES (3, 1, '[4,8)')`)).rejects.toThrow(/bookings_no_overlap/);
      await next.query(`INSERT INTO bookings (id, room, during, cancelled) VALUES (3, 1, '[4,8)', true)`);
      await old.query(`INSERT INTO users (name) VALUES ('cy')`);
      expect(await next.query(`SELECT id FROM bookings ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
      expect(await next.query(`SELECT name FROM users ORDER BY id`)).toEqual([{ name: 'ann' }, { name: 'bob' }, { name: 'cy' }]);
    },
    async completed({ old, next }) {
      expect(await constraintsOf(old, 'bookings')).toEqual([NO_OVERLAP_DEFINITION, 'bookings_pkey PRIMARY KEY (id)']);
      await expect(next.query(`UPDATE bookings SET cancelled = false WHERE id = 3`)).rejects.toThrow(/bookings_no_overlap/);
      await next.query(`INSERT INTO bookings (id, room, during) VALUES (4, 1, '[5,9)')`);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT to_regclass('public.bookings') AS t`)).toEqual([{ t: null }]);
      expect(await old.query(`SELECT name FROM users ORDER BY id`)).toEqual([{ name: 'ann' }, { name: 'bob' }, { name: 'cy' }]);
    },
    droppedRows: { bookings: 3 },
  };
}

const STAYS = `CREATE TABLE stays (id serial PRIMARY KEY, during int4range NOT NULL, note text, CONSTRAINT stays_no_overlap EXCLUDE USING gist (during WITH &&));
INSERT INTO stays (during, note) VALUES ('[1,5)', 'a'), ('[5,9)', NULL);`;
const STAYS_CONSTRAINTS = ['stays_no_overlap EXCLUDE USING gist (during WITH &&)', 'stays_pkey PRIMARY KEY (id)'];

/** An exclusion constraint on columns another operation leaves alone stays as it is, enforced throughout. */
const survives: OperationCase = {
  title: 'an existing exclusion constraint survives a change of another column',
  setup: STAYS,
  migration: defineMigration({ name: 'note_required', operations: [op.alterColumn({ table: 'stays', column: 'note', type: 'varchar(20)', nullable: false, up: `coalesce(note, '')::varchar(20)`, down: 'note' })] }),
  async expanded({ old, next }) {
    await expect(old.query(`INSERT INTO stays (during, note) VALUES ('[2,3)', 'x')`)).rejects.toThrow(/stays_no_overlap/);
    await expect(next.query(`INSERT INTO stays (during, note) VALUES ('[2,3)', 'x')`)).rejects.toThrow(/stays_no_overlap/);
    await next.query(`INSERT INTO stays (during, note) VALUES ('[9,12)', 'n')`);
    expect(await old.query(`SELECT during, note FROM stays ORDER BY during`)).toEqual([
      { during: '[1,5)', note: 'a' }, { during: '[5,9)', note: null }, { during: '[9,12)', note: 'n' },
    ]);
  },
  async completed({ old }) {
    expect(await constraintsOf(old, 'stays')).toEqual(STAYS_CONSTRAINTS);
    expect(await old.query(`SELECT during, note FROM stays ORDER BY during`)).toEqual([
      { during: '[1,5)', note: 'a' }, { during: '[5,9)', note: '' }, { during: '[9,12)', note: 'n' },
    ]);
    await expect(old.query(`INSERT INTO stays (during, note) VALUES ('[2,3)', 'x')`)).rejects.toThrow(/stays_no_overlap/);
  },
  async rolledBack(old) {
    expect(await constraintsOf(old, 'stays')).toEqual(STAYS_CONSTRAINTS);
    await expect(old.query(`INSERT INTO stays (during, note) VALUES ('[2,3)', 'x')`)).rejects.toThrow(/stays_no_overlap/);
  },
};

describeOperationCases('exclusions', [
  bookingsCase('createTable with an exclusion constraint', [op.createTable({ name: 'bookings', columns: BOOKING_COLUMNS, primaryKey: ['id'], exclusions: [{ name: 'bookings_no_overlap', ...NO_OVERLAP }] })]),
  bookingsCase('addConstraint exclude on a table the migration creates', [
    op.createTable({ name: 'bookings', columns: BOOKING_COLUMNS, primaryKey: ['id'] }),
    op.addConstraint({ table: 'bookings', name: 'bookings_no_overlap', exclude: NO_OVERLAP }),
  ]),
  survives,
]);

describe('exclusion constraints with btree_gist (real PostgreSQL)', () => {
  let target: Target;
  beforeAll(async () => {
    target = await openTarget('postgres', 'exclusion_btree_gist');
  });
  afterAll(async () => {
    await target?.close();
  });

  const rooms = defineMigration({
    name: 'room_bookings',
    operations: [op.createTable({
      name: 'bookings', columns: BOOKING_COLUMNS, primaryKey: ['id'],
      exclusions: [{ name: 'bookings_room_during', elements: [{ column: 'room', operator: '=' }, { column: 'during', operator: '&&' }] }],
    })],
  });

  it('= on a scalar column is refused at plan until btree_gist is installed, then works', async () => {
    await target.reset();
    await target.db.exec(USERS);
    const midair = target.midair();
    const error = await midairError(midair.plan(rooms));
    expect(error.message).toMatch(/operation 1 \(createTable\): exclusions\.0\.elements\.0: the exclusion constraint "bookings_room_during" cannot be built on "bookings": data type integer has no default operator class for access method "gist"/);
    expect(error.hint).toMatch(/CREATE EXTENSION btree_gist/);
    await target.db.exec('CREATE EXTENSION btree_gist');
    await midair.start(rooms);
    await midair.complete();
    expect(await constraintsOf(await target.old(), 'bookings')).toEqual(['bookings_pkey PRIMARY KEY (id)', 'bookings_room_during EXCLUDE USING gist (room WITH =, during WITH &&)']);
  });

  it('a change of a column an exclusion constraint uses is refused: its copy could not be built online', async () => {
    await target.reset();
    await target.db.exec(STAYS);
    const error = await midairError(target.midair().plan(defineMigration({
      name: 'during_type', operations: [op.alterColumn({ table: 'stays', column: 'during', type: 'int8range', up: 'during::text::int8range', down: 'during::text::int4range' })],
    })));
    expect(error.message).toMatch(/exclusion constraint "stays_no_overlap" uses column "during", which this operation replaces/);
    expect(error.hint).toMatch(/drop the constraint first/);
  });
});
