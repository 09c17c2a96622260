import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createMidair, defineMigration, op, type Midair } from '../src/index.js';
import { freshDatabase } from './support/databases.js';
import { ReleaseClients } from './support/releaseClients.js';
import { WriteLoop } from './support/writeLoop.js';

const scores = defineMigration({
  name: 'scores',
  operations: [op.alterColumn({ table: 'users', column: 'score', type: 'integer', default: '0', up: 'score::integer', down: 'score::text' })],
});
const prices = defineMigration({
  name: 'prices',
  operations: [op.alterColumn({ table: 'orders', column: 'price', name: 'price_cents', type: 'integer', up: 'price::integer * 100', down: '(price_cents / 100)::text' })],
});

interface Table {
  name: 'users' | 'orders';
  oldColumn: string;
  newColumn: string;
  /** The new shape's value of a value the old release writes. */
  toNew: (value: number) => number;
}
const USERS: Table = { name: 'users', oldColumn: 'score', newColumn: 'score', toNew: (v) => v };
const ORDERS: Table = { name: 'orders', oldColumn: 'price', newColumn: 'price_cents', toNew: (v) => v * 100 };

/**
 * One client of one release writing one table: inserts and updates of keys of its own, each
 * acknowledged write (upserts and updates) recorded in the ledger as the value the final table must hold.
 */
function writer(client: pg.Client, table: Table, release: 'old' | 'new', keys: number[], ledger: Map<string, number>): WriteLoop {
  return new WriteLoop(async (i) => {
    const id = keys[i % keys.length]!;
    const value = 1 + ((i * 7919) % 1000);
    const inNew = release === 'new' ? value * (table === ORDERS ? 100 : 1) : table.toNew(value);
    const column = release === 'new' ? table.newColumn : table.oldColumn;
    const written = release === 'new' ? inNew : String(value);
    // An update of a key not inserted yet changes nothing and is not acknowledged as a write.
    const result = i % 2 === 0
      ? await client.query(`INSERT INTO ${table.name} (id, ${column}) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET ${column} = excluded.${column}`, [id, written])
      : await client.query(`UPDATE ${table.name} SET ${column} = $2 WHERE id = $1`, [id, written]);
    if (result.rowCount !== 1) return false;
    ledger.set(`${table.name}:${id}`, inNew);
    return true;
  });
}

/** Two teams change two tables at once: their life cycles interleave under writes from both releases. */
describe('several migrations at once (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let midair: Midair;
  const ledger = new Map<string, number>();

  const clients = new ReleaseClients(() => database.url);
  const client = (searchPath?: string) => clients.connect(searchPath);

  // Each test has a database of its own.
  beforeEach(async () => {
    database = await freshDatabase('several');
    const setup = await client();
    await setup.query(`
      CREATE TABLE users (id int PRIMARY KEY, score text NOT NULL DEFAULT '0');
      CREATE TABLE orders (id int PRIMARY KEY, price text);
      INSERT INTO users SELECT i, (i % 100)::text FROM generate_series(1, 5000) i;
      INSERT INTO orders SELECT i, (i % 50)::text FROM generate_series(1, 5000) i;`);
    ledger.clear();
    for (let i = 1; i <= 5000; i++) {
      ledger.set(`users:${i}`, i % 100);
      ledger.set(`orders:${i}`, (i % 50) * 100);
    }
    midair = await createMidair({ database: database.url });
  });

  afterEach(async () => {
    await midair?.close();
    await clients.endAll();
    await database?.drop();
  });

  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

  it('runs two life cycles interleaved under writes through both shapes, and loses no write', async () => {
    const oldWriters = [
      writer(await client(), USERS, 'old', [...range(10_001, 50), ...range(1, 50)], ledger),
      writer(await client(), ORDERS, 'old', [...range(10_001, 50), ...range(1, 50)], ledger),
    ];
    oldWriters.forEach((w) => w.start());

    await midair.start(scores);
    await midair.start(prices);
    const searchPath = await midair.latestSearchPath();
    expect(searchPath).toBe('public_prices,public_scores,public');

    const newWriters = [
      writer(await client(searchPath), USERS, 'new', [...range(20_001, 50), ...range(101, 50)], ledger),
      writer(await client(searchPath), ORDERS, 'new', [...range(20_001, 50), ...range(101, 50)], ledger),
    ];
    newWriters.forEach((w) => w.start());
    await Promise.all([midair.backfill({ migration: 'scores' }), midair.backfill({ migration: 'prices' })]);

    await Promise.all(oldWriters.map((w) => w.stop()));
    expect(await midair.verify('scores')).toMatchObject({ mismatches: 0, unsynced: 0 });
    expect(await midair.verify('prices')).toMatchObject({ mismatches: 0, unsynced: 0 });
    await midair.complete('scores');
    expect(await midair.verify('prices')).toMatchObject({ mismatches: 0, unsynced: 0 });
    await midair.complete('prices');
    await Promise.all(newWriters.map((w) => w.stop()));

    const check = await client();
    const users = await check.query<{ id: number; score: number }>(`SELECT id, score FROM users`);
    const orders = await check.query<{ id: number; price_cents: number }>(`SELECT id, price_cents FROM orders`);
    const actual = new Map<string, number>([
      ...users.rows.map((r) => [`users:${r.id}`, r.score] as const),
      ...orders.rows.map((r) => [`orders:${r.id}`, r.price_cents] as const),
    ]);
    const lost = [...ledger].filter(([key, value]) => actual.get(key) !== value).slice(0, 5);
    expect(lost).toEqual([]);
    expect(actual.size).toBe(ledger.size);
  });

  it('refuses a migration on a table another active migration has claimed, naming it', async () => {
    await midair.start(defineMigration({ name: 'notes', operations: [op.addColumn({ table: 'users', column: { name: 'note', type: 'text' } })] }));
    const nick = defineMigration({ name: 'nick', operations: [op.addColumn({ table: 'users', column: { name: 'nick', type: 'text' } })] });
    await expect(midair.plan(nick)).rejects.toThrow(/"users".*"notes"/);
    await expect(midair.start(nick)).rejects.toThrow(/"users".*"notes"/);
    await midair.start(defineMigration({ name: 'tags', operations: [op.addColumn({ table: 'orders', column: { name: 'tag', type: 'text' } })] }));
    // With two active, a verb without a name does not guess.
    await expect(midair.verify()).rejects.toThrow(/notes.*tags|tags.*notes/);
    await midair.rollback('notes');
    await midair.rollback('tags');
  });

  it('drops the previous version schema at the next complete, also when an earlier Midair gave it a view of every table', async () => {
    // A migration completed before: its version schema stays until the next complete. Midair before
    // several migrations at once made a view of every table in a version schema.
    await midair.start(prices);
    await midair.backfill({ migration: 'prices' });
    await midair.verify('prices');
    await midair.complete('prices');
    const setup = await client();
    await setup.query(`CREATE VIEW public_prices.users AS SELECT * FROM public.users`);
    const memo = defineMigration({ name: 'memo', operations: [op.addColumn({ table: 'users', column: { name: 'memo', type: 'text' } })] });
    await midair.start(memo);
    await midair.verify('memo');
    expect(await midair.complete('memo')).toMatchObject({ stage: 'complete', droppedVersionSchema: 'public_prices' });
    const { rows } = await setup.query(`SELECT nspname FROM pg_namespace WHERE nspname = 'public_prices'`);
    expect(rows).toEqual([]);
  });
});
