import { describe, it } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { runUnderWrites, type UnderWritesCase } from '../support/underWrites.js';

/**
 * A type change carries the column's default over, converted as PostgreSQL's own ALTER COLUMN TYPE
 * would. Before, the copy's default kept the old type in Midair's picture of it, and the sync
 * trigger compared the new column with it: every new-release write failed (text[] = mood[]).
 */
const TAGS: UnderWritesCase = {
  label: 'default_type',
  rows: 200,
  setup: `CREATE TYPE mood AS ENUM ('a', 'b');
    CREATE TABLE t (id integer PRIMARY KEY, tags mood[] NOT NULL DEFAULT '{}');
    INSERT INTO t SELECT i, '{a}' FROM generate_series(1, 200) i;`,
  migration: defineMigration({ name: 'tags_text', operations: [op.alterColumn({ table: 't', column: 'tags', type: 'text[]', up: 'tags::text[]', down: 'tags::mood[]' })] }),
  old: { table: 't', column: 'tags' },
  next: { table: 't', column: 'tags' },
  value: (i) => (i % 2 ? '{a}' : '{b,a}'),
};

describe('postgres: a type change keeps the default, converted, while both releases write', () => {
  it('to complete', () => runUnderWrites(TAGS, 'complete'));
  it('to rollback', () => runUnderWrites(TAGS, 'rollback'));
});
