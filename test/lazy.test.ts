import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMidair, MidairError, MidairRefusal, type Midair, type Migration } from '../src/index.js';
import { NEW_SHAPE, createUsers, fromNew, fromOld, splitName, type UserValues } from './support/backfillFixture.js';
import { freshDatabase } from './support/databases.js';
import { WriteLoop } from './support/writeLoop.js';

// A lazy split of users.name on 5,000 rows: the new shape is used with no backfill, writers of
// both releases move rows as they write them, migrate-rows moves a canary set, backfill the rest.

const ROWS = 5000;
const lazySplit: Migration = { ...splitName, lazy: true };

type Ledger = Map<number, UserValues | null>;
type Row = { id: number; name: string; first_name: string; last_name: string | null; _midair_source: string | null };

async function client(url: string, searchPath?: string): Promise<pg.Client> {
  const c = new pg.Client(url);
  await c.connect();
  if (searchPath) await c.query(`SET search_path TO ${searchPath}`);
  return c;
}

/** The table as the ledger says it must be, in both shapes. */
async function expectLedger(admin: pg.Client, ledger: Ledger): Promise<void> {
  const expected = [...ledger].filter(([, v]) => v !== null).sort(([a], [b]) => a - b);
  const old = (await admin.query<{ id: number; name: string }>('SELECT id, name FROM public.users ORDER BY id')).rows;
  expect(old).toEqual(expected.map(([id, v]) => ({ id, name: v!.name })));
  const shaped = (await admin.query<{ id: number; first_name: string; last_name: string | null }>(`SELECT id, first_name, last_name FROM ${NEW_SHAPE}.users ORDER BY id`)).rows;
  expect(shaped).toEqual(expected.map(([id, v]) => ({ id, first_name: v!.first, last_name: v!.last })));
}

/**
 * Four writers, two per release, each owning the rows whose id falls to it: updates, deletes and
 * inserts; every acknowledged write goes into the ledger. `touched` collects the rows that existed
 * before start and were written or deleted: they moved naturally.
 */
function writers(clients: pg.Client[], ledger: Ledger, touched: Set<number>): WriteLoop[] {
  return clients.map((c, k) => {
    const owned = [...ledger.keys()].filter((id) => id % clients.length === k);
    const isNew = k >= 2;
    return new WriteLoop(async (i) => {
      const id = owned[(i * 7919) % owned.length]!;
      const kind = i % 10 === 9 ? 'insert' : i % 10 === 8 ? 'delete' : 'update';
      if (kind === 'insert') {
        const values = isNew ? fromNew(`N${i}`, i % 3 ? `L${i}` : null) : fromOld(`O${i} K${k}`);
        const { rows } = isNew
          ? await c.query<{ id: number; first_name: string; last_name: string | null }>('INSERT INTO users (first_name, last_name, email) VALUES ($1, $2, $3) RETURNING id, first_name, last_name', [values.first, values.last, `n${i}@x`])
          : await c.query<{ id: number }>('INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id', [values.name, `o${i}@x`]);
        if (isNew) expect(rows[0]).toMatchObject({ first_name: values.first, last_name: values.last });
        ledger.set(rows[0]!.id, values);
        owned.push(rows[0]!.id);
        return true;
      }
      if (ledger.get(id) === null) return false;
      if (kind === 'delete') {
        const { rowCount } = await c.query('DELETE FROM users WHERE id = $1', [id]);
        expect(rowCount).toBe(1);
        ledger.set(id, null);
      } else if (isNew) {
        // One new column only: the other comes from the row's old name when it was not migrated yet.
        const before = ledger.get(id)!;
        const { rows } = await c.query<{ first_name: string; last_name: string | null }>('UPDATE users SET first_name = $2 WHERE id = $1 RETURNING first_name, last_name', [id, `F${i}`]);
        const values = fromNew(`F${i}`, before.last);
        expect(rows).toEqual([{ first_name: values.first, last_name: values.last }]);
        ledger.set(id, values);
      } else {
        const { rowCount } = await c.query('UPDATE users SET name = $2 WHERE id = $1', [id, `R${i} K${k}`]);
        expect(rowCount).toBe(1);
        ledger.set(id, fromOld(`R${i} K${k}`));
      }
      if (id <= ROWS) touched.add(id);
      return true;
    }, 5000);
  });
}

// Each test has a database of its own, with the migration just started and no row migrated yet.
describe('lazy migration (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let admin: pg.Client;
  let midair: Midair;
  const ledger: Ledger = new Map();
  const touched = new Set<number>();
  const tableOf = async () => (await midair.status()).active[0]!.lazy![0]!;

  beforeEach(async () => {
    database = await freshDatabase('lazy');
    admin = await client(database.url);
    await createUsers(admin, ROWS);
    ledger.clear();
    touched.clear();
    for (const row of (await admin.query<{ id: number; name: string }>('SELECT id, name FROM users')).rows) ledger.set(row.id, fromOld(row.name));
    midair = await createMidair({ database: database.url });
    await midair.start(lazySplit);
  });

  afterEach(async () => {
    await midair?.close();
    await admin?.end();
    await database?.drop();
  });

  it('reads every row right through the new shape before any is migrated', async () => {
    const { rows } = await admin.query<Row>(`SELECT u.id, u.name, v.first_name, v.last_name, u._midair_source FROM public.users u JOIN ${NEW_SHAPE}.users v USING (id)`);
    expect(rows).toHaveLength(ROWS);
    for (const row of rows) {
      expect(row._midair_source).toBeNull();
      const values = fromOld(row.name);
      expect({ first: row.first_name, last: row.last_name }, `row ${row.id}`).toEqual({ first: values.first, last: values.last });
    }
    expect(await tableOf()).toMatchObject({ migrated: 0, total: ROWS, pending: ROWS, movedNaturally: 0, movedByMidair: 0 });
  });

  it('loses no acknowledged write of concurrent writers through both shapes, and counts what they moved', async () => {
    const clients = [await client(database.url), await client(database.url), await client(database.url, `${NEW_SHAPE}, public`), await client(database.url, `${NEW_SHAPE}, public`)];
    try {
      const loops = writers(clients, ledger, touched);
      loops.forEach((l) => l.start());
      await Promise.all(loops.map((l) => l.stop(150)));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    await expectLedger(admin, ledger);
    const progress = await tableOf();
    expect(touched.size).toBeGreaterThan(100);
    expect(progress).toMatchObject({ total: ledger.size - [...ledger.values()].filter((v) => v === null).length, movedNaturally: touched.size, movedByMidair: 0 });
    expect(progress.pending).toBe([...ledger].filter(([id, v]) => id <= ROWS && v !== null && !touched.has(id)).length);
    expect(progress.naturalPerDay).toBeGreaterThan(0);
  });

  it('writes through the new shape: INSERT, UPDATE and DELETE with RETURNING, defaults and an unchanged UPDATE', async () => {
    const app = await client(database.url, `${NEW_SHAPE}, public`);
    try {
      const untouched = [...ledger].filter(([id, v]) => id <= ROWS && v && !touched.has(id)).map(([id]) => id);
      const [a, b, c] = untouched;
      const inserted = await app.query('INSERT INTO users (first_name, email) VALUES ($1, $2) RETURNING *', ['Solo', 's@x']);
      expect(inserted.rows).toEqual([{ id: expect.any(Number), email: 's@x', first_name: 'Solo', last_name: null }]);
      ledger.set(inserted.rows[0].id, fromNew('Solo', null));

      const updated = await app.query('UPDATE users SET last_name = $2 WHERE id = $1 RETURNING id, first_name, last_name', [a, 'Lovelace']);
      expect(updated.rows).toEqual([{ id: a, first_name: ledger.get(a!)!.first, last_name: 'Lovelace' }]);
      ledger.set(a!, fromNew(ledger.get(a!)!.first, 'Lovelace'));

      // Changing nothing still writes the row, and so migrates it.
      expect((await app.query('UPDATE users SET email = email WHERE id = $1', [b])).rowCount).toBe(1);
      const deleted = await app.query('DELETE FROM users WHERE id = $1 RETURNING first_name', [c]);
      expect(deleted.rows).toEqual([{ first_name: ledger.get(c!)!.first }]);
      ledger.set(c!, null);
      expect((await app.query('UPDATE users SET first_name = $1 WHERE id = -1', ['x'])).rowCount).toBe(0);
      for (const id of [a!, b!, c!]) touched.add(id);

      const rows = (await admin.query<Row>('SELECT id, name, _midair_source FROM public.users WHERE id = ANY ($1) ORDER BY id', [[a, b, inserted.rows[0].id]])).rows;
      expect(rows.map((r) => r._midair_source)).toEqual(['n', 'n', 'n']);
      expect(rows[0]!.name).toBe(ledger.get(a!)!.name);
      await expectLedger(admin, ledger);
    } finally {
      await app.end();
    }
  });

  it('keeps a concurrent old-release write of the same row that the new-shape UPDATE waited for', async () => {
    const id = [...ledger].find(([row, v]) => row <= ROWS && v && !touched.has(row))![0];
    const old = await client(database.url);
    const next = await client(database.url, `${NEW_SHAPE}, public`);
    try {
      const { pid } = (await next.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!;
      await old.query('BEGIN');
      await old.query('UPDATE users SET name = $2 WHERE id = $1', [id, 'Grace Hopper']);
      // The new shape reads the row as it was (upcast from its old name), then waits for the lock.
      const waiting = next.query('UPDATE users SET first_name = $2 WHERE id = $1 RETURNING first_name, last_name', [id, 'Amazing']);
      const deadline = Date.now() + 60_000;
      while (!(await admin.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [pid])).rowCount) {
        if (Date.now() > deadline) throw new Error('the new-shape UPDATE never waited for the lock');
        await new Promise((resolve) => setImmediate(resolve));
      }
      await old.query('COMMIT');
      expect((await waiting).rows).toEqual([{ first_name: 'Amazing', last_name: 'Hopper' }]);
    } finally {
      await old.end();
      await next.end();
    }
    ledger.set(id, fromNew('Amazing', 'Hopper'));
    touched.add(id);
    await expectLedger(admin, ledger);
  });

  it('migrates rows named by key or by a where condition, only those not migrated yet', async () => {
    // A row an old-release write moved already: naming it moves nothing.
    const written = 17;
    await admin.query('UPDATE users SET name = name WHERE id = $1', [written]);
    touched.add(written);
    const untouched = [...ledger].filter(([id, v]) => id <= ROWS && v && !touched.has(id)).map(([id]) => id);
    const keys = [...untouched.slice(0, 3), [...touched].find((id) => ledger.get(id))!].map(String);
    const byKey = await midair.migrateRows({ migration: 'split', keys: [...keys, '999999', keys[0]!] });
    expect(byKey).toMatchObject({ table: 'users', moved: 3, keys: { given: 5, found: 4, alreadyMigrated: 1, notFound: ['999999'] } });

    const range = untouched.filter((id) => id >= 4000 && id < 4100);
    const byWhere = await midair.migrateRows({ where: 'id >= 4000 AND id < 4100' });
    expect(byWhere.moved).toBe(range.filter((id) => !keys.includes(String(id))).length);
    const sources = (await admin.query<{ s: string | null; n: number }>(`SELECT _midair_source AS s, count(*)::int AS n FROM users WHERE id >= 4000 AND id < 4100 GROUP BY 1`)).rows;
    expect(sources.find((r) => r.s === null)).toBeUndefined();

    const progress = await tableOf();
    expect(progress).toMatchObject({ movedByMidair: 3 + byWhere.moved, movedNaturally: touched.size });
    await expectLedger(admin, ledger);
  });

  it('says what is wrong with the rows named', async () => {
    await expect(midair.migrateRows({ where: 'no_such_column = 1' })).rejects.toThrow(/--where "no_such_column = 1" fails on table "users": column "no_such_column" does not exist/);
    await expect(midair.migrateRows({ where: '1 = 1) OR (true' })).rejects.toThrow(MidairError);
    await expect(midair.migrateRows({ table: 'orders', keys: ['1'] })).rejects.toThrow(/no table "orders" with rows to migrate/);
    await expect(midair.migrateRows({ keys: ['one'] })).rejects.toThrow(/keys for table "users": invalid input syntax for type integer: "one"/);
    await expect(midair.migrateRows({})).rejects.toThrow(/keys or with a where condition/);
    await expect(midair.migrateRows({ migration: 'nope', keys: ['1'] })).rejects.toThrow(/migration "nope" is not active/);
  });

  it('refuses verification and complete until every row is migrated, then backfills, verifies clean and completes', async () => {
    const verified = await midair.verify();
    expect(verified.unsynced).toBe((await tableOf()).pending);
    expect(verified.unsynced).toBeGreaterThan(0);
    await expect(midair.complete()).rejects.toThrow(MidairRefusal);
    await expect(midair.complete()).rejects.toMatchObject({ reason: 'unsynced' });

    const before = await tableOf();
    const backfilled = await midair.backfill();
    expect(backfilled.rows).toBeGreaterThan(0);
    const after = await tableOf();
    expect(after).toMatchObject({ pending: 0, movedNaturally: before.movedNaturally, movedByMidair: before.movedByMidair + before.pending });
    expect(await midair.verify()).toMatchObject({ mismatches: 0, unsynced: 0 });

    await midair.complete();
    const { rows } = await admin.query<{ id: number; first_name: string; last_name: string | null }>('SELECT id, first_name, last_name FROM public.users ORDER BY id');
    expect(rows).toEqual([...ledger].filter(([, v]) => v).sort(([x], [y]) => x - y).map(([id, v]) => ({ id, first_name: v!.first, last_name: v!.last })));
    // The view is plain again: PostgreSQL writes through it itself, and no trigger or function of it is left.
    const view = (await admin.query<{ d: string }>(`SELECT pg_get_viewdef('${NEW_SHAPE}.users'::regclass) AS d`)).rows[0]!.d;
    expect(view).not.toMatch(/CASE/);
    expect((await admin.query(`SELECT 1 FROM pg_proc WHERE proname LIKE 'lazy_write%'`)).rows).toEqual([]);
    const app = await client(database.url, `${NEW_SHAPE}, public`);
    try {
      expect((await app.query(`INSERT INTO users (first_name, email) VALUES ('After', 'a@x') RETURNING first_name`)).rows).toEqual([{ first_name: 'After' }]);
    } finally {
      await app.end();
    }
  });
});

describe('rolling back a lazy migration (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let admin: pg.Client;
  let midair: Midair;

  beforeAll(async () => {
    database = await freshDatabase('lazy_rollback');
    admin = await client(database.url);
    midair = await createMidair({ database: database.url });
  });

  afterAll(async () => {
    await midair?.close();
    await admin?.end();
    await database?.drop();
  });

  it('loses no write made through either shape, migrated or not', async () => {
    await createUsers(admin, 1000);
    const ledger: Ledger = new Map();
    for (const row of (await admin.query<{ id: number; name: string }>('SELECT id, name FROM users')).rows) ledger.set(row.id, fromOld(row.name));
    await midair.start(lazySplit);
    const clients = [await client(database.url), await client(database.url), await client(database.url, `${NEW_SHAPE}, public`), await client(database.url, `${NEW_SHAPE}, public`)];
    try {
      const loops = writers(clients, ledger, new Set());
      loops.forEach((l) => l.start());
      const canary = midair.migrateRows({ where: 'id % 10 = 0' });
      await canary;
      await Promise.all(loops.map((l) => l.stop(100)));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    await expectLedger(admin, ledger);
    await midair.rollback();
    const { rows } = await admin.query<{ id: number; name: string }>('SELECT id, name FROM users ORDER BY id');
    expect(rows).toEqual([...ledger].filter(([, v]) => v).sort(([a], [b]) => a - b).map(([id, v]) => ({ id, name: v!.name })));
    expect((await admin.query(`SELECT 1 FROM pg_proc WHERE proname LIKE 'lazy_write%'`)).rows).toEqual([]);
    expect((await admin.query(`SELECT 1 FROM pg_namespace WHERE nspname = '${NEW_SHAPE}'`)).rows).toEqual([]);
  });
});
