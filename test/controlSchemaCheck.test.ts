import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createMidair } from '../src/index.js';
import { freshDatabase, SERVER_URL } from './support/databases.js';

let db: Awaited<ReturnType<typeof freshDatabase>>;

beforeAll(async () => {
  db = await freshDatabase('control_schema_check');
}, 60_000);

afterAll(() => db?.drop());

// Every command checks the control schema first: when it is up to date, that is a read, with no DDL
// and no commit (which cost every command on the embedded database a write transaction).
test('an up-to-date control schema is only read: commands run on a database that allows no writes', async () => {
  const installer = await createMidair({ database: db.url });
  const installed = await installer.init();
  expect(installed.from).toBe(0);
  await installer.close();

  const admin = new pg.Client(SERVER_URL);
  await admin.connect();
  await admin.query(`ALTER DATABASE "${db.name}" SET default_transaction_read_only = on`);
  await admin.end();

  const midair = await createMidair({ database: db.url });
  try {
    expect(await midair.init()).toEqual({ from: installed.to, to: installed.to });
    expect((await midair.status()).active).toEqual([]);
    // The database does refuse writes: the check above could not have written.
    await expect(midair.db.exec('CREATE TABLE t (id int)')).rejects.toThrow(/read-only transaction/);
  } finally {
    await midair.close();
  }
}, 60_000);
