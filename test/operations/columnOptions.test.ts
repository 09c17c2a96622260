import { expect } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import type { Shape } from '../support/targets.js';
import { columnsOf, describeOperationCases, indexesOf, type OperationCase } from '../support/operationCase.js';

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
];

describeOperationCases('column_options', CASES);
