import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { createMidair, defineMigration, MidairError, op, type Midair } from '../src/index.js';
import { freshDatabase } from './support/databases.js';

// Real PostgreSQL only: the embedded database admits one process at a time by its folder lock.

/** The session advisory lock every changing midair command holds on its migration (src/state/operatorLock.ts). */
const OPERATOR_LOCK = `hashtextextended('midair operator ' || $1, 7305114202)`;

const migration = defineMigration({
  name: 'qty_int',
  operations: [op.alterColumn({ table: 'items', column: 'qty', type: 'integer', up: 'qty::integer', down: 'qty::text' })],
});

describe('two operators running conflicting commands at once (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let admin: pg.Client;
  let a: Midair;
  let b: Midair;

  const operator = (name: string) =>
    createMidair({ applicationName: name, resolved: resolveConfig({ database: database.url, lockTimeoutMs: 100 }, { baseDir: process.cwd(), env: {} }) });

  /** Holds a lock that the DDL of start and complete must wait for, until the returned function runs. */
  async function blockTable(): Promise<() => Promise<void>> {
    const blocker = new pg.Client(database.url);
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE items IN ACCESS SHARE MODE');
    return async () => {
      await blocker.query('COMMIT');
      await blocker.end();
    };
  }

  /** Waits until the named operator holds the operator lock (its command is under way). */
  async function holdsOperatorLock(application: string): Promise<void> {
    for (let i = 0; i < 500; i++) {
      const { rows } = await admin.query(
        `SELECT 1 FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = ${OPERATOR_LOCK} AND s.application_name = $2`,
        [migration.name, application],
      );
      if (rows.length) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`${application} never took the operator lock`);
  }

  const busy = /another midair command is running on migration "qty_int": "operator-a"/;

  // Each test has a database of its own.
  beforeEach(async () => {
    database = await freshDatabase('operators');
    admin = new pg.Client(database.url);
    await admin.connect();
    await admin.query(`CREATE TABLE items (id integer PRIMARY KEY, qty text NOT NULL);
      INSERT INTO items SELECT g, g::text FROM generate_series(1, 50) g`);
    a = await operator('operator-a');
    b = await operator('operator-b');
  });

  afterEach(async () => {
    await a?.close();
    await b?.close();
    await admin?.end();
    await database?.drop();
  });

  it('a second start, backfill, complete or rollback while a start runs gets a clear MidairError', async () => {
    const release = await blockTable();
    const starting = a.start(migration);
    await holdsOperatorLock('operator-a');

    for (const attempt of [() => b.start(migration), () => b.backfill({ migration: 'qty_int' }), () => b.complete('qty_int'), () => b.rollback('qty_int')]) {
      const error = await attempt().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(MidairError);
      expect((error as MidairError).message).toMatch(busy);
      expect((error as MidairError).hint).toBe('wait for it to finish and run this command again');
    }
    await release();
    expect(await starting).toMatchObject({ stage: 'expanded', resumed: false });

    const { rows } = await admin.query(`SELECT name, stage FROM midair.migrations`);
    expect(rows).toEqual([{ name: 'qty_int', stage: 'expanded' }]);
    // A start of the same migration once the first is done is a harmless re-run.
    expect(await b.start(migration)).toMatchObject({ stage: 'expanded', resumed: true });
    // A different migration of the same table cannot start while this one is active.
    await expect(b.start(defineMigration({ name: 'other', operations: [op.dropColumn({ table: 'items', column: 'qty' })] }))).rejects.toThrow(
      /changes tables another active migration is changing: "items" \(migration "qty_int"\)/,
    );
  });

  it('a second complete while a complete runs gets a clear MidairError, and the first finishes cleanly', async () => {
    await a.start(migration);
    await a.backfill();
    expect(await a.verify()).toMatchObject({ mismatches: 0, unsynced: 0 });
    const release = await blockTable();
    const completing = a.complete();
    await holdsOperatorLock('operator-a');

    await expect(b.complete()).rejects.toThrow(busy);
    await expect(b.rollback()).rejects.toThrow(busy);
    await release();
    expect(await completing).toMatchObject({ stage: 'complete', migration: 'qty_int' });

    await expect(b.complete()).rejects.toThrow(/no migration is active/);
    await expect(b.rollback()).rejects.toThrow(/nothing to roll back|no migration is active/);
    const { rows } = await admin.query(`SELECT id, qty FROM items WHERE id IN (1, 50) ORDER BY id`);
    expect(rows).toEqual([{ id: 1, qty: 1 }, { id: 50, qty: 50 }]);
    const { rows: count } = await admin.query(`SELECT count(*)::int AS n FROM items`);
    expect(count).toEqual([{ n: 50 }]);
    expect((await b.status()).migrations).toEqual([expect.objectContaining({ name: 'qty_int', stage: 'complete' })]);
  });
});
