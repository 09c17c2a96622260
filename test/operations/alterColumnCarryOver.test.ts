import { expect } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { columnsOf, constraintsOf, describeOperationCases, indexesOf, type OperationCase } from '../support/operationCase.js';

const PARTS = `CREATE TABLE makers (id integer PRIMARY KEY, name text NOT NULL);
  INSERT INTO makers VALUES (1, 'acme'), (2, 'globex');
  CREATE TABLE parts (id serial PRIMARY KEY, title text NOT NULL, qty integer NOT NULL DEFAULT 0 CONSTRAINT parts_qty_check CHECK (qty >= 0),
    maker integer CONSTRAINT parts_maker_fkey REFERENCES makers (id) ON DELETE CASCADE, note text);
  CREATE INDEX parts_low_qty ON parts (title) WHERE qty < 10;
  CREATE INDEX parts_qty_doubled ON parts ((qty * 2));
  CREATE INDEX parts_qty_ff ON parts (qty DESC) WITH (fillfactor = 70);
  CREATE INDEX parts_note_pattern ON parts (lower(note) text_pattern_ops) WHERE note <> 'note';
  CREATE INDEX parts_note_c ON parts (note COLLATE "C", title);
  INSERT INTO parts (title, qty, maker, note) VALUES ('bolt', 5, 1, 'Steel'), ('nut', 20, NULL, NULL), ('gear', 0, 2, 'Brass');`;

/** Everything that hangs on the altered columns, exactly as it was before the migration. */
const INDEXES = [
  'CREATE INDEX parts_low_qty ON public.parts USING btree (title) WHERE (qty < 10)',
  'CREATE INDEX parts_note_c ON public.parts USING btree (note COLLATE "C", title)',
  `CREATE INDEX parts_note_pattern ON public.parts USING btree (lower(note) text_pattern_ops) WHERE (note <> 'note'::text)`,
  'CREATE INDEX parts_qty_doubled ON public.parts USING btree (((qty * 2)))',
  `CREATE INDEX parts_qty_ff ON public.parts USING btree (qty DESC) WITH (fillfactor='70')`,
  'CREATE UNIQUE INDEX parts_pkey ON public.parts USING btree (id)',
];
const CONSTRAINTS = [
  'parts_maker_fkey FOREIGN KEY (maker) REFERENCES makers(id) ON DELETE CASCADE',
  'parts_pkey PRIMARY KEY (id)',
  'parts_qty_check CHECK ((qty >= 0))',
];

const SEQUENCED = `CREATE TABLE tickets (id integer PRIMARY KEY, number serial, title text);
  INSERT INTO tickets (id, title) VALUES (1, 'a'), (2, 'b');`;

const CASES: OperationCase[] = [
  {
    title: 'alterColumn carries partial, expression, fillfactor, opclass and collation indexes, checks, foreign keys and the default',
    setup: PARTS,
    migration: defineMigration({
      name: 'parts_v2',
      operations: [
        op.alterColumn({ table: 'parts', column: 'qty', type: 'bigint', up: 'qty::bigint', down: 'qty::integer' }),
        op.alterColumn({ table: 'parts', column: 'maker', nullable: false, up: 'coalesce(maker, 1)' }),
        op.alterColumn({ table: 'parts', column: 'note', nullable: false, up: `coalesce(note, '')` }),
      ],
    }),
    async expanded({ old, next }) {
      // The default, converted to bigint, serves new-release inserts that leave qty out.
      await next.query(`INSERT INTO parts (title, maker, note) VALUES ('pin', 2, 'Iron')`);
      await old.query(`INSERT INTO parts (title, maker) VALUES ('cog', 1)`);
      expect(await next.query(`SELECT id, qty::int AS qty FROM parts WHERE id > 3 ORDER BY id`)).toEqual([{ id: 4, qty: 0 }, { id: 5, qty: 0 }]);
      // The check and the foreign key hold for the new shape's writes too.
      await expect(next.query(`INSERT INTO parts (title, qty, maker, note) VALUES ('bad', -1, 1, 'x')`)).rejects.toThrow(/check constraint/);
      await expect(old.query(`INSERT INTO parts (title, qty) VALUES ('bad', -1)`)).rejects.toThrow(/parts_qty_check/);
      await expect(next.query(`INSERT INTO parts (title, maker, note) VALUES ('bad', 9, 'x')`)).rejects.toThrow(/foreign key constraint/);
      await expect(old.query(`INSERT INTO parts (title, maker) VALUES ('bad', 9)`)).rejects.toThrow(/parts_maker_fkey/);
      await next.query(`UPDATE parts SET qty = 7 WHERE id = 2`);
    },
    async completed({ old, next }) {
      expect(await indexesOf(old, 'parts')).toEqual(INDEXES);
      expect(await constraintsOf(old, 'parts')).toEqual(CONSTRAINTS);
      expect(await columnsOf(old, 'parts')).toEqual([
        `id integer NOT NULL DEFAULT nextval('parts_id_seq'::regclass)`, 'title text NOT NULL',
        'qty bigint NOT NULL DEFAULT 0', 'maker integer NOT NULL', 'note text NOT NULL',
      ]);
      await next.query(`INSERT INTO parts (title, maker, note) VALUES ('axle', 2, 'Oak')`);
      await expect(next.query(`UPDATE parts SET qty = -5 WHERE id = 1`)).rejects.toThrow(/parts_qty_check/);
      await expect(next.query(`UPDATE parts SET maker = 9 WHERE id = 1`)).rejects.toThrow(/parts_maker_fkey/);
      // ON DELETE CASCADE came along.
      await old.query(`DELETE FROM makers WHERE id = 2`);
      expect(await old.query(`SELECT id, qty::int AS qty, maker, note FROM parts ORDER BY id`)).toEqual([
        { id: 1, qty: 5, maker: 1, note: 'Steel' }, { id: 2, qty: 7, maker: 1, note: '' }, { id: 5, qty: 0, maker: 1, note: '' },
      ]);
    },
    async rolledBack(old) {
      expect(await indexesOf(old, 'parts')).toEqual(INDEXES);
      expect(await old.query(`SELECT id, qty, maker FROM parts ORDER BY id`)).toEqual([
        { id: 1, qty: 5, maker: 1 }, { id: 2, qty: 7, maker: 1 }, { id: 3, qty: 0, maker: 2 }, { id: 4, qty: 0, maker: 2 }, { id: 5, qty: 0, maker: 1 },
      ]);
    },
  },
  {
    title: 'alterColumn type change of a serial column keeps its sequence',
    setup: SEQUENCED,
    migration: defineMigration({
      name: 'ticket_number_bigint',
      operations: [op.alterColumn({ table: 'tickets', column: 'number', type: 'bigint', up: 'number::bigint', down: 'number::integer' })],
    }),
    async expanded({ old, next }) {
      await next.query(`INSERT INTO tickets (id, title) VALUES (3, 'c')`);
      await old.query(`INSERT INTO tickets (id, title) VALUES (4, 'd')`);
      // A new-release insert fills both columns' defaults from the one sequence: a gap, as serials have.
      expect(await next.query(`SELECT id, number::int AS number FROM tickets ORDER BY id`)).toEqual([
        { id: 1, number: null }, { id: 2, number: null }, { id: 3, number: 4 }, { id: 4, number: 5 },
      ]);
    },
    async completed({ old, next }) {
      expect(await columnsOf(old, 'tickets')).toEqual([
        'id integer NOT NULL', 'title text', `number bigint NOT NULL DEFAULT nextval('tickets_number_seq'::regclass)`,
      ]);
      expect(await old.query(`SELECT pg_get_serial_sequence('tickets', 'number') AS s`)).toEqual([{ s: 'public.tickets_number_seq' }]);
      await next.query(`INSERT INTO tickets (id, title) VALUES (5, 'e')`);
      expect(await old.query(`SELECT id, number::int AS number FROM tickets WHERE id < 5 ORDER BY id`)).toEqual([
        { id: 1, number: 1 }, { id: 2, number: 2 }, { id: 3, number: 4 }, { id: 4, number: 5 },
      ]);
      expect(await old.query(`SELECT number > 5 AS later FROM tickets WHERE id = 5`)).toEqual([{ later: true }]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT id, number FROM tickets ORDER BY id`)).toEqual([
        { id: 1, number: 1 }, { id: 2, number: 2 }, { id: 3, number: 4 }, { id: 4, number: 5 },
      ]);
    },
  },
];

describeOperationCases('alter_carry', CASES);
