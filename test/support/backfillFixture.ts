import type pg from 'pg';
import { defineMigration, op, type Migration } from '../../src/index.js';

/** users(id, name, email): the table every backfill test migrates. */
export async function createUsers(db: pg.Client, rows: number): Promise<void> {
  await db.query('DROP TABLE IF EXISTS users');
  await db.query('CREATE TABLE users (id serial PRIMARY KEY, name text, email text)');
  await db.query(`INSERT INTO users (name, email)
    SELECT (ARRAY['Ann', 'Bob', 'Cy', 'Zoë'])[1 + g % 4] || CASE WHEN g % 5 = 0 THEN '' ELSE ' ' || (ARRAY['Lee', 'Van der Berg', 'Smith'])[1 + g % 3] END,
           'u' || g || '@example.com'
      FROM generate_series(1, ${rows}) AS g`);
}

/** Splits users.name into first_name and last_name; the old shape keeps name, written back by down. */
export const splitName: Migration = defineMigration({
  name: 'split',
  operations: [
    op.addColumn({ table: 'users', column: { name: 'first_name', type: 'text' }, up: "split_part(name, ' ', 1)" }),
    op.addColumn({ table: 'users', column: { name: 'last_name', type: 'text' }, up: "nullif(substr(name, length(split_part(name, ' ', 1)) + 2), '')" }),
    op.dropColumn({ table: 'users', column: 'name', down: "concat_ws(' ', first_name, last_name)" }),
  ],
});

/** The version schema that new-release connections put in their search_path. */
export const NEW_SHAPE = 'public_split';

export interface UserValues {
  name: string;
  first: string;
  last: string | null;
}

/** The migration's up, in TypeScript: what an old-release write of `name` must leave in the row. */
export function fromOld(name: string): UserValues {
  const first = name.split(' ')[0]!;
  const last = name.slice(first.length + 1);
  return { name, first, last: last === '' ? null : last };
}

/** The migration's down, in TypeScript: what a new-release write of first and last must leave. */
export function fromNew(first: string, last: string | null): UserValues {
  return { name: last === null ? first : `${first} ${last}`, first, last };
}
