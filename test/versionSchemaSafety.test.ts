import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createMidair, defineMigration, MidairError, op } from '../src/index.js';
import { freshDatabase, SERVER_URL } from './support/databases.js';

const ROLE = `midair_t_app_${process.pid}`;

const split = defineMigration({
  name: 'split',
  operations: [
    op.addColumn({ table: 'users', column: { name: 'first_name', type: 'text' }, up: "split_part(name, ' ', 1)" }),
    op.dropColumn({ table: 'users', column: 'name', down: "first_name || ' (new)'" }),
  ],
});

/** The version schema as the application's own role meets it, and what rollback may remove. */
describe('version schema: privileges and foreign objects (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let owner: pg.Client;

  beforeAll(async () => {
    database = await freshDatabase('vs_safety');
    owner = new pg.Client(database.url);
    await owner.connect();
    await owner.query(`CREATE ROLE ${ROLE} LOGIN`);
    await owner.query(`CREATE TABLE users (id int PRIMARY KEY, name text); INSERT INTO users VALUES (1, 'Ada Lovelace')`);
    await owner.query(`GRANT SELECT, INSERT, UPDATE ON users TO ${ROLE}`);
  });

  afterAll(async () => {
    await owner.end();
    await database.drop();
    const admin = new pg.Client(SERVER_URL);
    await admin.connect();
    await admin.query(`DROP ROLE IF EXISTS ${ROLE}`);
    await admin.end();
  });

  it('gives the application role the same rights on the views, so its writes count as the new release', async () => {
    const midair = await createMidair({ database: database.url });
    await midair.start(split);
    await midair.backfill();
    const url = new URL(database.url);
    url.username = ROLE;
    const app = new pg.Client(url.toString());
    await app.connect();
    try {
      await app.query('SET search_path = public_split');
      await app.query(`UPDATE users SET first_name = 'Grace' WHERE id = 1`);
      await expect(app.query('DELETE FROM users')).rejects.toThrow(/permission denied/);
    } finally {
      await app.end();
    }
    const { rows } = await owner.query(`SELECT name, first_name, _midair_source AS source FROM users`);
    expect(rows).toEqual([{ name: 'Grace (new)', first_name: 'Grace', source: 'n' }]);
    await midair.rollback();
    await midair.close();
  });

  it('rollback refuses to drop a table the application created in the version schema, and keeps it', async () => {
    const midair = await createMidair({ database: database.url });
    await midair.start(split);
    await owner.query(`CREATE TABLE public_split.sessions (id int); INSERT INTO public_split.sessions VALUES (7)`);
    const error = await midair.rollback().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(MidairError);
    expect((error as MidairError).message).toMatch(/DROP SCHEMA.*public_split/);
    expect((await owner.query('SELECT id FROM public_split.sessions')).rows).toEqual([{ id: 7 }]);
    await owner.query('ALTER TABLE public_split.sessions SET SCHEMA public');
    await midair.rollback();
    expect((await owner.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'public_split'`)).rows[0].n).toBe(0);
    await midair.close();
  });
});
