import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import { defineMigration, op } from '../../src/index.js';
import { openTarget, type Shape } from '../support/targets.js';
import { columnsOf, describeOperationCases, indexesOf, type OperationCase } from '../support/operationCase.js';
import { runUnderWrites, type UnderWritesCase } from '../support/underWrites.js';

/** What the column options leave in the catalog: "name identity=… generated=… collation=… seq=… comment=…", only the parts set. */
async function optionsOf(shape: Shape, table: string): Promise<string[]> {
  const rows = await shape.query<{ c: string }>(
    `SELECT concat_ws(' ', a.attname,
              CASE WHEN a.attidentity <> '' THEN 'identity=' || a.attidentity::text END,
              CASE WHEN a.attgenerated <> '' THEN 'generated=' || a.attgenerated::text END,
              CASE WHEN a.attcollation <> 0 AND co.collname <> 'default' THEN 'collation=' || co.collname END,
              'seq=' || pg_get_serial_sequence(quote_ident($1), a.attname),
              'comment=' || col_description(a.attrelid, a.attnum)) AS c
       FROM pg_attribute a LEFT JOIN pg_collation co ON co.oid = a.attcollation
      WHERE a.attrelid = to_regclass(quote_ident($1)) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [table],
  );
  return rows.map((r) => r.c);
}

async function tableComment(shape: Shape, table: string): Promise<string | null> {
  const [row] = await shape.query<{ c: string | null }>(`SELECT obj_description(to_regclass(quote_ident($1)), 'pg_class') AS c`, [table]);
  return row!.c;
}

const NOTES = `CREATE TABLE notes (id integer PRIMARY KEY, body text COLLATE "C", n integer);
  COMMENT ON COLUMN notes.body IS 'what was said';
  CREATE INDEX notes_body ON notes (body);
  INSERT INTO notes VALUES (1, 'b', 1), (2, NULL, 2), (3, 'a', 3);`;

const CASES: OperationCase[] = [
  {
    // A defect before: the copy of a changed column lost the old column's comment and collation at complete.
    title: 'alterColumn that copies a column keeps its comment and collation',
    setup: NOTES,
    migration: defineMigration({ name: 'notes_body_required', operations: [op.alterColumn({ table: 'notes', column: 'body', nullable: false, up: `coalesce(body, '')` })] }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO notes VALUES (4, NULL, 4)`);
      await next.query(`INSERT INTO notes VALUES (5, 'B', 5)`);
    },
    async completed({ old }) {
      expect(await optionsOf(old, 'notes')).toEqual(['id', 'n', 'body collation=C comment=what was said']);
      expect(await indexesOf(old, 'notes')).toEqual([
        'CREATE INDEX notes_body ON public.notes USING btree (body)',
        'CREATE UNIQUE INDEX notes_pkey ON public.notes USING btree (id)',
      ]);
      // "C" orders upper case first.
      expect((await old.query<{ body: string }>(`SELECT body FROM notes ORDER BY body`)).map((r) => r.body)).toEqual(['', '', 'B', 'a', 'b']);
    },
    async rolledBack(old) {
      expect(await optionsOf(old, 'notes')).toEqual(['id', 'body collation=C comment=what was said', 'n']);
    },
  },
  {
    title: 'createTable with an identity key with sequence options, a collation, a stored generated column and comments',
    setup: `CREATE TABLE users (id integer PRIMARY KEY);`,
    migration: defineMigration({
      name: 'create_events',
      operations: [
        op.createTable({
          name: 'events',
          comment: 'what happened',
          columns: [
            { name: 'id', type: 'bigint', identity: { generated: 'always', start: 1000, increment: 5 } },
            { name: 'title', type: 'text', collation: 'C', comment: 'shown to users' },
            { name: 'title_length', type: 'integer', generated: 'length(title)' },
          ],
          primaryKey: ['id'],
        }),
      ],
    }),
    async expanded({ next }) {
      expect(await next.query(`INSERT INTO events (title) VALUES ('b'), ('a'), ('BB') RETURNING id::int AS id, title_length`)).toEqual([
        { id: 1000, title_length: 1 }, { id: 1005, title_length: 1 }, { id: 1010, title_length: 2 },
      ]);
      await expect(next.query(`INSERT INTO events (id, title) VALUES (1, 'x')`)).rejects.toThrow(/non-DEFAULT value into column "id"/);
    },
    async completed({ old, next }) {
      expect(await optionsOf(old, 'events')).toEqual(['id identity=a seq=public.events_id_seq', 'title collation=C comment=shown to users', 'title_length generated=s']);
      expect(await tableComment(old, 'events')).toBe('what happened');
      expect(await next.query(`SELECT id::int AS id, title FROM events ORDER BY title`)).toEqual([{ id: 1010, title: 'BB' }, { id: 1005, title: 'a' }, { id: 1000, title: 'b' }]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT to_regclass('events') AS t`)).toEqual([{ t: null }]);
    },
    droppedRows: { events: 3 },
  },
  {
    title: 'addColumn with a collation and a comment',
    setup: NOTES,
    migration: defineMigration({ name: 'notes_tag', operations: [op.addColumn({ table: 'notes', column: { name: 'tag', type: 'text', collation: 'C', comment: 'free text' } })] }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO notes VALUES (4, 'd', 4)`);
      await next.query(`INSERT INTO notes (id, tag) VALUES (5, 'b'), (6, 'B')`);
    },
    async completed({ old }) {
      expect(await optionsOf(old, 'notes')).toEqual(['id', 'body collation=C comment=what was said', 'n', 'tag collation=C comment=free text']);
      expect((await old.query<{ tag: string }>(`SELECT tag FROM notes WHERE tag IS NOT NULL ORDER BY tag`)).map((r) => r.tag)).toEqual(['B', 'b']);
    },
    async rolledBack(old) {
      expect(await optionsOf(old, 'notes')).toEqual(['id', 'body collation=C comment=what was said', 'n']);
    },
  },
  {
    title: 'alterColumn turns a serial key into an identity column (always), starting above its largest value',
    setup: `CREATE TABLE tickets (id serial PRIMARY KEY, title text);
      INSERT INTO tickets (title) VALUES ('a'), ('b');
      INSERT INTO tickets (id, title) VALUES (10, 'explicit');`,
    migration: defineMigration({ name: 'tickets_identity', operations: [op.alterColumn({ table: 'tickets', column: 'id', identity: 'always' })] }),
    async expanded({ old, next }) {
      expect(await old.query(`INSERT INTO tickets (title) VALUES ('old') RETURNING id`)).toEqual([{ id: 11 }]);
      expect(await next.query(`INSERT INTO tickets (title) VALUES ('new') RETURNING id`)).toEqual([{ id: 12 }]);
    },
    async completed({ old, next }) {
      expect(await optionsOf(old, 'tickets')).toEqual(['id identity=a seq=public.tickets_id_seq', 'title']);
      expect(await columnsOf(old, 'tickets')).toEqual(['id integer NOT NULL', 'title text']);
      expect(await old.query(`SELECT relname FROM pg_class WHERE relkind = 'S' AND relnamespace = 'public'::regnamespace`)).toEqual([{ relname: 'tickets_id_seq' }]);
      expect(await next.query(`INSERT INTO tickets (title) VALUES ('after') RETURNING id`)).toEqual([{ id: 13 }]);
      await expect(next.query(`INSERT INTO tickets (id, title) VALUES (99, 'x')`)).rejects.toThrow(/non-DEFAULT value into column "id"/);
    },
    async rolledBack(old) {
      expect(await columnsOf(old, 'tickets')).toEqual([`id integer NOT NULL DEFAULT nextval('tickets_id_seq'::regclass)`, 'title text']);
      // The serial sequence moved past the values the identity gave meanwhile.
      expect(await old.query(`INSERT INTO tickets (title) VALUES ('back') RETURNING id`)).toEqual([{ id: 13 }]);
    },
  },
  {
    title: 'alterColumn turns a plain integer key into an identity column (by default) with sequence options',
    setup: `CREATE TABLE counters (id integer PRIMARY KEY, label text); INSERT INTO counters VALUES (1, 'a'), (5, 'b');`,
    migration: defineMigration({
      name: 'counters_identity',
      operations: [op.alterColumn({ table: 'counters', column: 'id', identity: { generated: 'byDefault', start: 100, increment: 10 }, comment: 'drawn from a sequence' })],
    }),
    async expanded({ old, next }) {
      expect(await next.query(`INSERT INTO counters (label) VALUES ('new') RETURNING id`)).toEqual([{ id: 100 }]);
      expect(await old.query(`INSERT INTO counters (label) VALUES ('old') RETURNING id`)).toEqual([{ id: 110 }]);
    },
    async completed({ old }) {
      expect(await optionsOf(old, 'counters')).toEqual(['id identity=d seq=public.counters_id_seq comment=drawn from a sequence', 'label']);
      expect(await old.query(`INSERT INTO counters (id, label) VALUES (7, 'explicit') RETURNING id`)).toEqual([{ id: 7 }]);
    },
    async rolledBack(old) {
      expect(await optionsOf(old, 'counters')).toEqual(['id', 'label']);
      expect(await columnsOf(old, 'counters')).toEqual(['id integer NOT NULL', 'label text']);
    },
  },
  {
    title: 'alterColumn changes a collation online: the column is copied and its index rebuilt; comment null removes the comment',
    setup: `CREATE TABLE words (id integer PRIMARY KEY, w text);
      CREATE INDEX words_w ON words (w);
      COMMENT ON COLUMN words.w IS 'a word';
      INSERT INTO words VALUES (1, 'b'), (2, 'B'), (3, 'a');`,
    migration: defineMigration({ name: 'words_c', operations: [op.alterColumn({ table: 'words', column: 'w', collation: 'C', comment: null })] }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO words VALUES (4, 'A')`);
      await next.query(`INSERT INTO words VALUES (5, 'c')`);
      await next.query(`UPDATE words SET w = 'Z' WHERE id = 1`);
    },
    async completed({ old }) {
      expect(await optionsOf(old, 'words')).toEqual(['id', 'w collation=C']);
      expect(await indexesOf(old, 'words')).toEqual(['CREATE INDEX words_w ON public.words USING btree (w)', 'CREATE UNIQUE INDEX words_pkey ON public.words USING btree (id)']);
      expect((await old.query<{ w: string }>(`SELECT w FROM words ORDER BY w`)).map((r) => r.w)).toEqual(['A', 'B', 'Z', 'a', 'c']);
    },
    async rolledBack(old) {
      expect(await optionsOf(old, 'words')).toEqual(['id', 'w comment=a word']);
      expect(await old.query(`SELECT id, w FROM words ORDER BY id`)).toEqual([
        { id: 1, w: 'Z' }, { id: 2, w: 'B' }, { id: 3, w: 'a' }, { id: 4, w: 'A' }, { id: 5, w: 'c' },
      ]);
    },
  },
  {
    title: 'comments alone (alterColumn comment, setComment on a table and a column) are catalog only and rolled back exactly',
    setup: NOTES,
    migration: defineMigration({
      name: 'notes_comments',
      operations: [
        op.alterColumn({ table: 'notes', column: 'n', comment: 'a number' }),
        op.setComment({ table: 'notes', comment: 'notes table' }),
        op.setComment({ table: 'notes', column: 'body', comment: null }),
      ],
    }),
    async expanded({ old, next }) {
      // No copy and no sync: nothing but the comments changed on the table.
      expect(await old.query(`SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = 'notes'::regclass AND NOT tgisinternal`)).toEqual([{ n: 0 }]);
      expect(await optionsOf(old, 'notes')).toEqual(['id', 'body collation=C', 'n comment=a number']);
      await old.query(`INSERT INTO notes VALUES (4, 'x', 4)`);
      await next.query(`INSERT INTO notes VALUES (5, 'y', 5)`);
    },
    async completed({ old }) {
      expect(await optionsOf(old, 'notes')).toEqual(['id', 'body collation=C', 'n comment=a number']);
      expect(await tableComment(old, 'notes')).toBe('notes table');
    },
    async rolledBack(old) {
      expect(await optionsOf(old, 'notes')).toEqual(['id', 'body collation=C comment=what was said', 'n']);
      expect(await tableComment(old, 'notes')).toBeNull();
    },
  },
  {
    title: 'a lazy migration turns a serial into an identity and adds a column by up: inserts through the lazy view take identity values',
    setup: `CREATE TABLE tickets (id serial PRIMARY KEY, title text); INSERT INTO tickets (title) VALUES ('a'), ('b');`,
    migration: defineMigration({
      name: 'tickets_lazy_identity',
      lazy: true,
      operations: [
        op.alterColumn({ table: 'tickets', column: 'id', identity: 'always' }),
        op.addColumn({ table: 'tickets', column: { name: 'shout', type: 'text' }, up: 'upper(title)' }),
      ],
    }),
    async expanded({ old, next }) {
      expect(await old.query(`SELECT pg_get_serial_sequence('tickets', 'id') AS seq`)).toEqual([{ seq: 'public._midair_tickets_id_seq' }]);
      expect(await next.query(`INSERT INTO tickets (title, shout) VALUES ('c', 'C!') RETURNING id`)).toEqual([{ id: 3 }]);
      expect(await old.query(`INSERT INTO tickets (title) VALUES ('d') RETURNING id`)).toEqual([{ id: 4 }]);
      expect(await next.query(`INSERT INTO tickets (title) VALUES ('e') RETURNING id`)).toEqual([{ id: 5 }]);
    },
    async completed({ old, next }) {
      expect(await optionsOf(old, 'tickets')).toEqual(['id identity=a seq=public.tickets_id_seq', 'title', 'shout']);
      expect(await next.query(`INSERT INTO tickets (title) VALUES ('f') RETURNING id`)).toEqual([{ id: 6 }]);
      expect(await next.query(`SELECT id, shout FROM tickets ORDER BY id`)).toEqual([
        { id: 1, shout: 'A' }, { id: 2, shout: 'B' }, { id: 3, shout: 'C!' }, { id: 4, shout: 'D' }, { id: 5, shout: null }, { id: 6, shout: null },
      ]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT pg_get_serial_sequence('tickets', 'id') AS seq`)).toEqual([{ seq: 'public.tickets_id_seq' }]);
      expect(await old.query(`INSERT INTO tickets (title) VALUES ('back') RETURNING id`)).toEqual([{ id: 6 }]);
    },
  },
];

describeOperationCases('column_options', CASES);

/**
 * The race of the identity conversion: both releases insert without pause, each row taking "n"
 * from the column's default (the serial sequence, then the identity), while start swaps one for
 * the other and complete (or rollback) swaps them back. A value handed out twice would break the
 * unique constraint and fail a write; every acknowledged write must be there.
 */
const SERIAL_TO_IDENTITY: UnderWritesCase = {
  label: 'column_options_identity',
  setup: `CREATE TABLE t (id integer PRIMARY KEY, v text, n serial CONSTRAINT t_n_key UNIQUE);
    INSERT INTO t (id, v) SELECT i, 'v' || i FROM generate_series(1, 200) AS i;`,
  rows: 200,
  migration: defineMigration({ name: 't_n_identity', operations: [op.alterColumn({ table: 't', column: 'n', identity: 'always' })] }),
  old: { table: 't', column: 'v' },
  next: { table: 't', column: 'v' },
};

async function expectDistinctNumbers(db: pg.Client): Promise<void> {
  const { rows } = await db.query<{ all: number; distinct: number; numbered: number }>(
    `SELECT count(*)::int AS all, count(DISTINCT n)::int AS distinct, count(n)::int AS numbered FROM t`,
  );
  expect(rows[0]!.all).toBeGreaterThan(200);
  expect(rows[0]).toEqual({ all: rows[0]!.all, distinct: rows[0]!.all, numbered: rows[0]!.all });
  // The next insert, through whatever default the column has now, takes a value above every one given.
  const { rows: next } = await db.query<{ above: boolean }>(`WITH i AS (INSERT INTO t (id) VALUES (-1) RETURNING n) SELECT (SELECT n FROM i) > (SELECT max(n) FROM t) AS above`);
  expect(next).toEqual([{ above: true }]);
}

describe('identity conversion under writes from both releases (real PostgreSQL)', () => {
  it('to complete: every insert numbered once, identity ALWAYS with the serial sequence\'s name', () =>
    runUnderWrites(SERIAL_TO_IDENTITY, 'complete', async (db) => {
      await expectDistinctNumbers(db);
      const { rows } = await db.query(`SELECT a.attidentity::text AS identity, pg_get_serial_sequence('t', 'n') AS seq, d.adbin IS NULL AS no_default
                                         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                                        WHERE a.attrelid = 't'::regclass AND a.attname = 'n'`);
      expect(rows).toEqual([{ identity: 'a', seq: 'public.t_n_seq', no_default: true }]);
    }));

  it('to rollback: every insert numbered once, the serial default back and its sequence past every value', () =>
    runUnderWrites(SERIAL_TO_IDENTITY, 'rollback', async (db) => {
      await expectDistinctNumbers(db);
      const { rows } = await db.query(`SELECT a.attidentity::text AS identity, pg_get_expr(d.adbin, d.adrelid) AS default
                                         FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                                        WHERE a.attrelid = 't'::regclass AND a.attname = 'n'`);
      expect(rows).toEqual([{ identity: '', default: `nextval('t_n_seq'::regclass)` }]);
    }));
});

describe('postgres: the online way to an identity column on an existing table, the one addColumn\'s refusal names', () => {
  it('a plain column drawing from a sequence of its own, then alterColumn identity: rollback moves that sequence past the identity\'s values', async () => {
    const target = await openTarget('postgres', 'column_options_two_steps');
    try {
      await target.db.exec(`CREATE TABLE t (id integer PRIMARY KEY, v text); INSERT INTO t SELECT i, 'v' FROM generate_series(1, 3) AS i; CREATE SEQUENCE t_n_seq;`);
      const midair = target.midair();
      // Start's checks evaluate the default on sample rows, and a sequence does not roll back: expect gaps, never a repeat.
      const numbered = async () => (await target.db.query<{ rows: number; distinct: number }>(`SELECT count(*)::int AS rows, count(DISTINCT n)::int AS distinct FROM t`))[0];
      await midair.start(defineMigration({ name: 't_n', operations: [op.addColumn({ table: 't', column: { name: 'n', type: 'bigint', nullable: false, default: `nextval('t_n_seq')` } })] }));
      await target.db.exec(`INSERT INTO t (id) VALUES (4)`);
      await midair.backfill();
      expect(await midair.verify()).toMatchObject({ mismatches: 0, unsynced: 0 });
      await midair.complete();
      expect(await numbered()).toEqual({ rows: 4, distinct: 4 });
      // The identity's start value is read from an index that leads with the column, under the lock: one is built first.
      await midair.start(defineMigration({ name: 't_n_index', operations: [op.createIndex({ table: 't', columns: ['n'] })] }));
      await midair.complete();

      await midair.start(defineMigration({ name: 't_n_identity', operations: [op.alterColumn({ table: 't', column: 'n', identity: 'always' })] }));
      await target.db.exec(`INSERT INTO t (id) VALUES (5), (6)`);
      await midair.rollback();
      expect(await columnsOf(target.db, 't')).toEqual(['id integer NOT NULL', 'v text', `n bigint NOT NULL DEFAULT nextval('t_n_seq'::regclass)`]);
      await target.db.exec(`INSERT INTO t (id) VALUES (7)`);
      expect(await numbered()).toEqual({ rows: 7, distinct: 7 });

      await midair.start(defineMigration({ name: 't_n_identity_again', operations: [op.alterColumn({ table: 't', column: 'n', identity: 'always' })] }));
      await target.db.exec(`INSERT INTO t (id) VALUES (8)`);
      await midair.backfill();
      expect(await midair.verify()).toMatchObject({ mismatches: 0, unsynced: 0 });
      await midair.complete();
      await target.db.exec(`INSERT INTO t (id) VALUES (9)`);
      expect(await numbered()).toEqual({ rows: 9, distinct: 9 });
      expect((await optionsOf(target.db, 't'))[2]).toMatch(/^n identity=a seq=public\.t_n_seq\d$/);
    } finally {
      await target.close();
    }
  });
});

const WORDS_SETUP = `CREATE TABLE t (id integer PRIMARY KEY, w text);
  CREATE INDEX t_w ON t (w);
  COMMENT ON COLUMN t.w IS 'a word';
  INSERT INTO t SELECT i, 'w' || i FROM generate_series(1, 200) AS i;`;

describe('collation and comment changes under writes from both releases (real PostgreSQL)', () => {
  const collation: UnderWritesCase = {
    label: 'column_options_collation',
    setup: WORDS_SETUP,
    rows: 200,
    migration: defineMigration({ name: 't_w_c', operations: [op.alterColumn({ table: 't', column: 'w', collation: 'C' })] }),
    old: { table: 't', column: 'w' },
    next: { table: 't', column: 'w' },
    value: (i, release) => `${release === 'old' ? 'o' : 'N'}${i}`,
  };
  const column = async (db: pg.Client) =>
    (await db.query(`SELECT co.collname AS collation, col_description(a.attrelid, a.attnum) AS comment FROM pg_attribute a JOIN pg_collation co ON co.oid = a.attcollation
                      WHERE a.attrelid = 't'::regclass AND a.attname = 'w'`)).rows;

  it('alterColumn collation to complete: every write kept, the column and its index in "C", the comment kept', () =>
    runUnderWrites(collation, 'complete', async (db) => {
      expect(await column(db)).toEqual([{ collation: 'C', comment: 'a word' }]);
      expect((await db.query(`SELECT pg_get_indexdef('t_w'::regclass) AS d`)).rows).toEqual([{ d: 'CREATE INDEX t_w ON public.t USING btree (w)' }]);
    }));

  it('alterColumn collation to rollback: every write kept, the default collation back', () =>
    runUnderWrites(collation, 'rollback', async (db) => {
      expect(await column(db)).toEqual([{ collation: 'default', comment: 'a word' }]);
    }));

  const comments: UnderWritesCase = {
    label: 'column_options_comments',
    setup: WORDS_SETUP,
    rows: 200,
    migration: defineMigration({ name: 't_comments', operations: [op.alterColumn({ table: 't', column: 'w', comment: 'a term' }), op.setComment({ table: 't', comment: 'terms' })] }),
    old: { table: 't', column: 'w' },
    next: { table: 't', column: 'w' },
  };
  const tableComment = async (db: pg.Client) => (await db.query(`SELECT obj_description('t'::regclass, 'pg_class') AS c`)).rows[0].c;

  it('comments to complete: every write kept, the new comments there', () =>
    runUnderWrites(comments, 'complete', async (db) => {
      expect(await column(db)).toEqual([{ collation: 'default', comment: 'a term' }]);
      expect(await tableComment(db)).toBe('terms');
    }));

  it('comments to rollback: every write kept, the old comments back (none on the table)', () =>
    runUnderWrites(comments, 'rollback', async (db) => {
      expect(await column(db)).toEqual([{ collation: 'default', comment: 'a word' }]);
      expect(await tableComment(db)).toBeNull();
    }));
});
