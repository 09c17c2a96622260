import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { createMidair, defineMigration, op, type Midair } from '../src/index.js';
import { freshDatabase } from './support/databases.js';
import { Ledger, NEW_RELEASE, OLD_RELEASE, Writer, type Item } from './support/workload.js';

// Real PostgreSQL only: PGlite is one connection and cannot run writers side by side.

const SEEDED = 1000;
const WRITERS = 3;

const migration = defineMigration({
  name: 'items_v2',
  operations: [
    op.renameColumn({ table: 'items', from: 'label', to: 'title' }),
    op.alterColumn({ table: 'items', column: 'qty', name: 'quantity', type: 'integer', up: 'qty::integer', down: 'quantity::text' }),
    op.addColumn({ table: 'items', column: { name: 'title_length', type: 'integer', nullable: false }, up: 'length(label)' }),
  ],
});

describe('writers of both releases while start, backfill and complete run (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let midair: Midair;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await freshDatabase('concurrency');
    admin = new pg.Client(database.url);
    await admin.connect();
    await admin.query(`CREATE TABLE items (id integer PRIMARY KEY, label text NOT NULL, qty text NOT NULL);
      INSERT INTO items SELECT g, 'seed-' || g, g::text FROM generate_series(1, ${SEEDED}) g`);
    // Small batches, so backfill interleaves with the writers many times.
    midair = await createMidair({ resolved: resolveConfig({ database: database.url, lockTimeoutMs: 200, backfill: { batchSize: 100, targetBatchMs: 1 } }, { baseDir: process.cwd(), env: {} }) });
  });

  afterAll(async () => {
    await midair?.close();
    await admin?.end();
    await database?.drop();
  });

  it('loses no acknowledged write and leaves both shapes in agreement', async () => {
    const seeded = new Map<number, Item>();
    for (let id = 1; id <= SEEDED; id++) seeded.set(id, { title: `seed-${id}`, quantity: id });
    const ledger = new Ledger(seeded);
    const everyone = (writers: Writer[], n: number) => Promise.all(writers.map((w) => w.progress(n)));

    const oldWriters = await Promise.all(Array.from({ length: WRITERS }, (_, i) => Writer.connect(`old-${i}`, database.url, OLD_RELEASE, ledger)));
    oldWriters.forEach((w) => w.start());
    await everyone(oldWriters, 20);

    const started = await midair.start(migration);
    expect(started.stage).toBe('expanded');
    const newWriters = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) => Writer.connect(`new-${i}`, database.url, NEW_RELEASE, ledger, started.versionSchema)),
    );
    newWriters.forEach((w) => w.start());
    await everyone([...oldWriters, ...newWriters], 20);

    const backfill = await midair.backfill();
    expect(backfill.rows).toBeGreaterThanOrEqual(SEEDED);
    await everyone([...oldWriters, ...newWriters], 20);

    // The old release goes away before complete; the new one keeps writing through it.
    await Promise.all(oldWriters.map((w) => w.stop()));
    const verified = await midair.verify();
    expect(verified).toMatchObject({ mismatches: 0, unsynced: 0, samples: [] });
    expect(verified.rowsChecked).toBeGreaterThan(SEEDED / 2);

    const beforeComplete = newWriters.map((w) => w.acknowledged);
    await midair.complete();
    await everyone(newWriters, 20);
    await Promise.all(newWriters.map((w) => w.stop()));

    expect([...oldWriters, ...newWriters].flatMap((w) => w.failures)).toEqual([]);
    newWriters.forEach((w, i) => expect(w.acknowledged).toBeGreaterThanOrEqual(beforeComplete[i]! + 20));
    const { rows } = await admin.query<{ id: number; title: string; quantity: number; title_length: number }>(
      'SELECT id, title, quantity, title_length FROM items ORDER BY id',
    );
    expect(rows.map(({ id, title, quantity }) => ({ id, title, quantity }))).toEqual(ledger.expected());
    expect(rows.filter((r) => r.title_length !== r.title.length)).toEqual([]);
    const total = [...oldWriters, ...newWriters].reduce((sum, w) => sum + w.acknowledged, 0);
    expect(total).toBeGreaterThan(200);
  });
});
