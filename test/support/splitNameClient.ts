import type { MigrationSpec } from '../../src/index.js';

export interface UserInput {
  id: number;
  name?: string;
}

/**
 * How an application reads and writes users' names through the `split` migration of
 * backfillFixture.ts: the old shape has name, the new one first_name and last_name.
 */
export function splitNameClient(overrides: Partial<MigrationSpec<UserInput, string | undefined, number | null>> = {}): MigrationSpec<UserInput, string | undefined, number | null> {
  return {
    key: (input) => input.id,
    readOld: async (db, input) => (await db.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [input.id])).rows[0]?.name,
    readNew: async (db, input) => {
      const row = (await db.query<{ first_name: string; last_name: string | null }>('SELECT first_name, last_name FROM users WHERE id = $1', [input.id])).rows[0];
      return row && (row.last_name === null ? row.first_name : `${row.first_name} ${row.last_name}`);
    },
    writeOld: async (db, input) => (await db.query('UPDATE users SET name = $1 WHERE id = $2', [input.name, input.id])).rowCount,
    writeNew: async (db, input) => {
      const first = input.name!.split(' ')[0]!;
      const last = input.name!.slice(first.length + 1);
      return (await db.query('UPDATE users SET first_name = $1, last_name = $2 WHERE id = $3', [first, last === '' ? null : last, input.id])).rowCount;
    },
    ...overrides,
  };
}
