import type pg from 'pg';
import { defineMigration, op, type Migration } from '../../src/index.js';

/** The new values, as both the baseline UPDATE and the migration's `up` compute them. */
export const FIRST_NAME = `split_part(name, ' ', 1)`;
export const LAST_NAME = `nullif(substr(name, length(split_part(name, ' ', 1)) + 2), '')`;

/** Splits users.name in two: the change every method in the bench performs. */
export const splitName: Migration = defineMigration({
  name: 'split',
  operations: [
    op.addColumn({ table: 'users', column: { name: 'first_name', type: 'text' }, up: FIRST_NAME }),
    op.addColumn({ table: 'users', column: { name: 'last_name', type: 'text' }, up: LAST_NAME }),
    op.dropColumn({ table: 'users', column: 'name', down: `concat_ws(' ', first_name, last_name)` }),
  ],
});

/**
 * A realistic accounts table: a key, a few short text columns, timestamps, a longer text and three
 * indexes, about 170 bytes a row. Some names are a single word, so last_name is sometimes null.
 */
export async function createTemplate(db: pg.Client, rows: number): Promise<void> {
  await db.query(`CREATE TABLE users_template AS
    SELECT g::bigint AS id,
      (ARRAY['Ann','Bob','Cy','Dee','Eve','Fay','Gus','Hal','Ivy','Jo'])[1 + g % 10]
        || CASE WHEN g % 13 = 0 THEN '' ELSE ' ' || (ARRAY['Smith','Jones','Lee','Brown','Garcia','Miller','Davis','Van der Berg'])[1 + (g / 10) % 8] END AS name,
      'user' || g || '@example.com' AS email,
      (ARRAY['free','pro','team'])[1 + g % 3] AS plan,
      timestamptz '2020-01-01' + g * interval '1 minute' AS created_at,
      CASE WHEN g % 4 = 0 THEN NULL ELSE timestamptz '2024-01-01' + g * interval '1 second' END AS last_seen_at,
      md5(g::text) || ' ' || md5((g * 7)::text) AS bio
    FROM generate_series(1, ${rows}) AS g`);
  await db.query('VACUUM (ANALYZE) users_template');
}

/**
 * A fresh copy of the table for one method, so no method finds pages warmed, pruned or bloated
 * by another. Vacuumed (hint bits, visibility map) and checkpointed, so each starts alike.
 */
export async function freshUsers(db: pg.Client, rows: number): Promise<void> {
  await db.query('DROP TABLE IF EXISTS users');
  await db.query(`CREATE TABLE users (
    id bigserial,
    name text NOT NULL,
    email text NOT NULL,
    plan text NOT NULL DEFAULT 'free',
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz,
    bio text)`);
  await db.query('INSERT INTO users SELECT * FROM users_template');
  await db.query('ALTER TABLE users ADD PRIMARY KEY (id)');
  await db.query('CREATE UNIQUE INDEX users_email_key ON users (email)');
  await db.query('CREATE INDEX users_created_at_idx ON users (created_at)');
  await db.query(`SELECT setval(pg_get_serial_sequence('users', 'id'), ${rows})`);
  await db.query('VACUUM (ANALYZE) users');
  await db.query('CHECKPOINT');
}
