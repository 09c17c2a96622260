import type pg from 'pg';
import type { Method } from './method.js';
import { FIRST_NAME, LAST_NAME } from './usersTable.js';

/** Baseline A, the physical limit: the new columns and one UPDATE of the whole table, no trigger. */
export function singleUpdate(db: pg.Client): Method {
  return {
    key: 'singleUpdate',
    label: 'A: one UPDATE of the table',
    async prepare() {
      await db.query('ALTER TABLE users ADD COLUMN first_name text, ADD COLUMN last_name text');
    },
    async run() {
      await db.query(`UPDATE users SET first_name = ${FIRST_NAME}, last_name = ${LAST_NAME}`);
      return null;
    },
    async check() {},
    async cleanup() {},
  };
}
