import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createMidair, defineMigration, op } from '../src/index.js';
import { freshDatabase } from './support/databases.js';

/** A value the new release wrote must survive old-release updates that do not touch what it derives from. */
describe('sync trigger and old-release updates (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let oldRelease: pg.Client;
  let newRelease: pg.Client;

  beforeAll(async () => {
    database = await freshDatabase('sync_keeps');
    oldRelease = new pg.Client(database.url);
    newRelease = new pg.Client(database.url);
    await Promise.all([oldRelease.connect(), newRelease.connect()]);
    await oldRelease.query(`CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, last_login int)`);
    await oldRelease.query(`INSERT INTO users VALUES (1, 'Ada Lovelace', 0), (2, 'Alan Turing', 0)`);
    const midair = await createMidair({ database: database.url });
    await midair.start(
      defineMigration({
        name: 'names',
        operations: [
          op.addColumn({ table: 'users', column: { name: 'nickname', type: 'text' }, up: 'NULL' }),
          op.addColumn({ table: 'users', column: { name: 'first_name', type: 'text' }, up: "split_part(name, ' ', 1)" }),
        ],
      }),
    );
    await midair.backfill();
    await newRelease.query(`SET search_path = ${await midair.latestSearchPath()}`);
    await midair.close();
  });

  afterAll(async () => {
    await Promise.all([oldRelease.end(), newRelease.end()]);
    await database.drop();
  });

  it('keeps new-release values through unrelated old-release updates, and re-derives just the columns whose source changes', async () => {
    await newRelease.query(`UPDATE users SET nickname = 'Countess', first_name = 'Augusta Ada' WHERE id = 1`);
    await oldRelease.query(`UPDATE users SET last_login = 42 WHERE id = 1`);
    let { rows } = await newRelease.query(`SELECT nickname, first_name FROM users WHERE id = 1`);
    expect(rows[0]).toEqual({ nickname: 'Countess', first_name: 'Augusta Ada' });

    await oldRelease.query(`UPDATE users SET name = 'Ada King' WHERE id = 1`);
    ({ rows } = await newRelease.query(`SELECT nickname, first_name FROM users WHERE id = 1`));
    // Only first_name derives from name; nickname's up reads nothing the old release changed.
    expect(rows[0]).toEqual({ nickname: 'Countess', first_name: 'Ada' });

    const midair = await createMidair({ database: database.url });
    try {
      expect(await midair.verify()).toMatchObject({ mismatches: 0, unsynced: 0, rowsChecked: 2 });
    } finally {
      await midair.close();
    }
  });
});
