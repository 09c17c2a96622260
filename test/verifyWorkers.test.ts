import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createMidair, defineMigration, op, type Midair } from '../src/index.js';
import { freshDatabase, tempDir } from './support/databases.js';
import { runCli } from './support/runCli.js';

/** Rows of the tables below: none, one, 20,000 with gaps in the keys, 500 text keys, 600 two-column keys. */
const ROWS = 0 + 1 + 20_000 + 500 + 600;

const doubling = defineMigration({
  name: 'doubling',
  operations: [
    ...['nothing', 'single', 'sparse', 'named', 'pairs'].map((table) => op.addColumn({ table, column: { name: 'doubled', type: 'integer' }, up: 'v * 2' })),
    // A `down` too: rows the new release writes must have v = doubled / 2.
    op.addColumn({ table: 'sparse', column: { name: 'twice', type: 'integer' }, up: 'v * 2' }),
    op.dropColumn({ table: 'sparse', column: 'v', down: 'twice / 2' }),
  ],
});

/** On another table, so its failing row leaves the migration above alone. */
const ratios = defineMigration({
  name: 'ratios',
  operations: [op.addColumn({ table: 'ratios', column: { name: 'share', type: 'integer' }, up: '100 / v' })],
});

/** Runs statements with the sync triggers off: rows the way a bug or a bypassing tool leaves them. */
const bypassingTriggers = (sql: string) => `SET session_replication_role = replica; ${sql}; RESET session_replication_role`;

/**
 * Verify is one aggregate query per table, which PostgreSQL runs as a parallel scan. The test
 * database makes every scan parallel, however small the table, so every case below goes through
 * parallel workers (the embedded database has none: its verify is the plain scan that the embedded
 * cases of lazyShapes, volatileExpressions and badInput run).
 */
describe('verify as a parallel scan (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: pg.Client;
  let midair: Midair;

  /** How many processes have scanned `table` so far: each parallel worker counts its own scan. */
  const scans = async (table: string) => (await db.query<{ n: number }>(`SELECT pg_stat_clear_snapshot(), seq_scan::int AS n FROM pg_stat_user_tables WHERE relname = $1`, [table])).rows[0]!.n;

  beforeAll(async () => {
    database = await freshDatabase('verify_parallel');
    db = new pg.Client(database.url);
    await db.connect();
    await db.query(`
      CREATE TABLE nothing (id int PRIMARY KEY, v int);
      CREATE TABLE single (id int PRIMARY KEY, v int);
      INSERT INTO single VALUES (1, 1);
      CREATE TABLE sparse (id bigint PRIMARY KEY, v int, pad text);
      INSERT INTO sparse SELECT g::bigint * g, g, repeat('x', 100) FROM generate_series(1, 20000) g;
      CREATE TABLE named (code text PRIMARY KEY, v int);
      INSERT INTO named SELECT 'k' || g, g FROM generate_series(1, 500) g;
      CREATE TABLE pairs (region text, n int, v int, PRIMARY KEY (region, n));
      INSERT INTO pairs SELECT (ARRAY['north', 'south', 'east'])[1 + g % 3], g, g FROM generate_series(1, 600) g;
      CREATE TABLE ratios (id int PRIMARY KEY, v int);
      INSERT INTO ratios SELECT g, g FROM generate_series(1, 50) g;`);
    midair = await createMidair({ database: database.url });
    await midair.start(doubling);
    const unthrottled = { maxReplicationLagMs: 0, probeSql: null };
    await midair.backfill({ migration: 'doubling', throttle: unthrottled });
    // One row in a hundred written last by the new release: checked by `down`.
    await db.query(`SET search_path = ${await midair.latestSearchPath()}; UPDATE sparse SET twice = twice WHERE id % 100 = 0; RESET search_path`);
    await midair.start(ratios);
    await midair.backfill({ migration: 'ratios', throttle: unthrottled });
    // Every scan parallel from here on, in the sessions of a new handle (set earlier, it would slow the setup down).
    await midair.close();
    await db.query(`ALTER DATABASE "${database.name}" SET min_parallel_table_scan_size = 0; ALTER DATABASE "${database.name}" SET parallel_setup_cost = 0; ALTER DATABASE "${database.name}" SET parallel_tuple_cost = 0`);
    midair = await createMidair({ database: database.url });
  }, 120_000);

  afterAll(async () => {
    await midair?.close();
    await db?.end();
    await database?.drop();
  });

  it('checks every row exactly once, in one process or several', async () => {
    for (const workers of [1, 2, 3]) {
      expect(await midair.verify('doubling', { workers })).toMatchObject({ rowsChecked: ROWS, mismatches: 0, unsynced: 0, samples: [] });
    }
  }, 120_000);

  it('scans with parallel workers as --workers allows', async () => {
    const before = await scans('sparse');
    await midair.verify('doubling', { workers: 3 });
    // A parallel worker's statistics reach the view as it exits; the leader's may come 10 s later.
    const deadline = Date.now() + 30_000;
    while ((await scans('sparse')) - before < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await scans('sparse')) - before).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('finds mismatches in any process part, up and down, and names rows by number, text and two-column keys', async () => {
    const [last] = (await db.query<{ id: string; up: number }>(`SELECT id::text, v * 2 AS up FROM sparse WHERE _midair_source = 'o' ORDER BY ctid DESC LIMIT 1`)).rows;
    const [first] = (await db.query<{ id: string; twice: number }>(`SELECT id::text, twice FROM sparse WHERE _midair_source = 'n' ORDER BY ctid LIMIT 1`)).rows;
    await db.query(
      bypassingTriggers(`UPDATE sparse SET doubled = -1 WHERE id = ${last!.id}; UPDATE sparse SET v = -1 WHERE id = ${first!.id};
        UPDATE named SET doubled = -1 WHERE code = 'k7'; UPDATE pairs SET doubled = -1 WHERE n = 5`),
    );
    try {
      const result = await midair.verify('doubling', { workers: 3 });
      expect(result).toMatchObject({ rowsChecked: ROWS, mismatches: 4, unsynced: 0 });
      expect(result.samples.map((s) => `${s.table} ${s.key} ${s.column} (${s.direction}): ${s.actual} not ${s.expected}`).sort()).toEqual([
        'named code=k7 doubled (up): -1 not 14',
        'pairs region=east, n=5 doubled (up): -1 not 10',
        `sparse id=${first!.id} v (down): -1 not ${first!.twice / 2}`,
        `sparse id=${last!.id} doubled (up): -1 not ${last!.up}`,
      ].sort());
    } finally {
      await db.query(
        bypassingTriggers(`UPDATE sparse SET doubled = v * 2 WHERE id = ${last!.id}; UPDATE sparse SET v = twice / 2 WHERE id = ${first!.id};
          UPDATE named SET doubled = v * 2 WHERE code = 'k7'; UPDATE pairs SET doubled = v * 2 WHERE n = 5`),
      );
    }
  }, 120_000);

  it('names where an expression fails on a row', async () => {
    await db.query(bypassingTriggers('INSERT INTO ratios (id, v) VALUES (51, 0)'));
    try {
      await expect(midair.verify('ratios', { workers: 2 })).rejects.toThrow(/^verify of "ratios" stopped: an up or down expression fails on a row from the start: division by zero$/);
    } finally {
      await db.query('DELETE FROM ratios WHERE id = 51');
    }
  }, 120_000);
});

describe('midair verify --workers', () => {
  it('rejects a bad number in one line', async () => {
    const dir = tempDir('verify-workers');
    try {
      const result = await runCli(dir.path, ['verify', '--workers', '0']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: --workers 0: not a whole number from 1 to 64/m);
      expect(result.stderr).toMatch(/see `midair verify --help`/);
    } finally {
      dir.remove();
    }
  }, 60_000);
});
