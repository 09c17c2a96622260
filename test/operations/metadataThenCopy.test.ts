import { expect } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import type { Shape } from '../support/targets.js';
import { describeOperationCases, type OperationCase } from '../support/operationCase.js';

async function commentsOf(shape: Shape): Promise<Record<string, string | null>> {
  const rows = await shape.query<{ name: string; comment: string | null }>(
    `SELECT attname AS name, col_description(attrelid, attnum) AS comment FROM pg_attribute
      WHERE attrelid = 'notes'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attname`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.comment]));
}

const NOTES = `CREATE TABLE notes (id integer PRIMARY KEY, body text, n integer);
  COMMENT ON COLUMN notes.body IS 'what was said';
  COMMENT ON COLUMN notes.n IS 'how many';
  INSERT INTO notes VALUES (1, 'a', 1), (2, NULL, 2), (3, 'c', NULL);`;

/** Metadata set earlier in a migration (a comment, a default) was lost when a later operation copied the column: the copy took the catalog's. */
const CASES: OperationCase[] = [
  {
    title: 'setComment on a column, then alterColumn that copies it: the copy takes the new comment',
    setup: NOTES,
    migration: defineMigration({
      name: 'notes_comment_then_copy',
      operations: [
        op.setComment({ table: 'notes', column: 'body', comment: 'what was said, never missing' }),
        op.alterColumn({ table: 'notes', column: 'body', nullable: false, up: `coalesce(body, '')` }),
      ],
    }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO notes VALUES (4, NULL, 4)`);
      await next.query(`INSERT INTO notes VALUES (5, 'e', 5)`);
    },
    async completed({ old }) {
      expect(await commentsOf(old)).toEqual({ body: 'what was said, never missing', id: null, n: 'how many' });
      expect(await old.query(`SELECT count(*)::int AS empty FROM notes WHERE body = ''`)).toEqual([{ empty: 2 }]);
    },
    async rolledBack(old) {
      expect(await commentsOf(old)).toEqual({ body: 'what was said', id: null, n: 'how many' });
    },
  },
  {
    title: 'a comment-only alterColumn that removes the comment, then addConstraint that copies the column: the copy has none',
    setup: NOTES,
    migration: defineMigration({
      name: 'notes_uncomment_then_check',
      operations: [
        op.alterColumn({ table: 'notes', column: 'n', comment: null }),
        op.addConstraint({ table: 'notes', name: 'notes_n_check', check: 'n >= 0', column: 'n', up: 'abs(n)' }),
      ],
    }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO notes VALUES (4, 'd', -4)`);
      await next.query(`INSERT INTO notes VALUES (5, 'e', 5)`);
    },
    async completed({ old }) {
      expect(await commentsOf(old)).toEqual({ body: 'what was said', id: null, n: null });
      expect(await old.query(`SELECT n FROM notes WHERE id = 4`)).toEqual([{ n: 4 }]);
    },
    async rolledBack(old) {
      expect(await commentsOf(old)).toEqual({ body: 'what was said', id: null, n: 'how many' });
    },
  },
];

CASES.push({
  title: 'a default-only alterColumn, then alterColumn that copies the column: the copy takes the new default',
  setup: NOTES,
  migration: defineMigration({
    name: 'notes_default_then_copy',
    operations: [
      op.alterColumn({ table: 'notes', column: 'body', default: `'untitled'` }),
      op.alterColumn({ table: 'notes', column: 'body', nullable: false, up: `coalesce(body, '')` }),
    ],
  }),
  async expanded({ old, next }) {
    await old.query(`INSERT INTO notes (id) VALUES (4)`);
    await next.query(`INSERT INTO notes (id) VALUES (5)`);
    expect(await next.query(`SELECT id, body FROM notes WHERE id > 3 ORDER BY id`)).toEqual([{ id: 4, body: 'untitled' }, { id: 5, body: 'untitled' }]);
  },
  async completed({ old }) {
    await old.query(`INSERT INTO notes (id) VALUES (6)`);
    expect(await old.query(`SELECT id, body FROM notes WHERE id > 3 ORDER BY id`)).toEqual([{ id: 4, body: 'untitled' }, { id: 5, body: 'untitled' }, { id: 6, body: 'untitled' }]);
  },
  async rolledBack(old) {
    await old.query(`INSERT INTO notes (id) VALUES (6)`);
    expect(await old.query(`SELECT id, body FROM notes WHERE id > 3 ORDER BY id`)).toEqual([{ id: 4, body: 'untitled' }, { id: 5, body: 'untitled' }, { id: 6, body: null }]);
  },
});

describeOperationCases('metadata_then_copy', CASES);
