import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineMigration, op } from '../src/index.js';
import type { Midair } from '../src/midair.js';
import { blockRanges, blocksOf } from '../src/verify/blockRanges.js';
import { withSharedSnapshot } from '../src/verify/sharedSnapshot.js';
import { tempDir } from './support/databases.js';
import { runCli } from './support/runCli.js';
import { openTarget, type Target } from './support/targets.js';

describe('block ranges', () => {
  it('cover every block once, from an open start to an open end, at least one part per worker where there are blocks', () => {
    for (const blocks of [0, 1, 2, 3, 7, 1024, 1025, 10_000, 100_000]) {
      for (const workers of [1, 2, 3, 8]) {
        const parts = blockRanges(blocks, workers);
        expect(parts[0]!.from).toBeNull();
        expect(parts.at(-1)!.to).toBeNull();
        parts.slice(1).forEach((p, i) => expect(p.from).toBe(parts[i]!.to));
        parts.slice(1, -1).forEach((p) => expect(p.to!).toBeGreaterThan(p.from!));
        expect(parts.length).toBe(Math.max(1, Math.min(blocks, Math.max(workers, Math.ceil(blocks / 1024)))));
      }
    }
  });
});

/** Rows of the tables below: none, one, 20,000 with gaps in the keys, 500 text keys, 600 two-column keys. */
const ROWS = 0 + 1 + 20_000 + 500 + 600;

const doubling = defineMigration({
  name: 'doubling',
  operations: ['nothing', 'single', 'sparse', 'named', 'pairs'].map((table) =>
    op.addColumn({ table, column: { name: 'doubled', type: 'integer' }, up: 'v * 2' }),
  ),
});

/** On another table, so its failing row leaves the migration above alone. */
const ratios = defineMigration({
  name: 'ratios',
  operations: [op.addColumn({ table: 'ratios', column: { name: 'share', type: 'integer' }, up: '100 / v' })],
});

/** Runs statements with the sync triggers off: rows the way a bug or a bypassing tool leaves them. */
const bypassingTriggers = (sql: string) => `SET session_replication_role = replica; ${sql}; RESET session_replication_role`;

// On the server only: the embedded database has one connection, so verify there is one plain scan
// in one transaction (covered by the embedded cases of lazyShapes, volatileExpressions, badInput).
describe('verify split across workers (real PostgreSQL)', () => {
  let target: Target;
  let midair: Midair;

  beforeAll(async () => {
    target = await openTarget('postgres', 'verify_workers');
    midair = target.midair();
    await target.db.exec(`
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
    await midair.start(doubling);
    await midair.start(ratios);
    const unthrottled = { maxReplicationLagMs: 0, probeSql: null };
    await midair.backfill({ migration: 'doubling', throttle: unthrottled });
    await midair.backfill({ migration: 'ratios', throttle: unthrottled });
  }, 120_000);

  afterAll(async () => {
    await target?.close();
  });

  it('checks every row exactly once, with one worker or several', async () => {
    for (const workers of [1, 2, 3]) {
      expect(await midair.verify('doubling', { workers })).toMatchObject({ rowsChecked: ROWS, mismatches: 0, unsynced: 0, samples: [] });
    }
  }, 120_000);

  it('finds a mismatch in the last part of the last worker, and names rows by text and two-column keys', async () => {
    const [last] = await target.db.query<{ id: string; up: number }>('SELECT id::text, v * 2 AS up FROM sparse ORDER BY ctid DESC LIMIT 1');
    await target.db.exec(bypassingTriggers(`UPDATE sparse SET doubled = -1 WHERE id = ${last!.id}; UPDATE named SET doubled = -1 WHERE code = 'k7'; UPDATE pairs SET doubled = -1 WHERE n = 5`));
    try {
      // The corrupted row lies in the last of three workers' parts (the update may move it, so look again).
      const [row] = await target.db.query<{ block: number }>(`SELECT (ctid::text::point)[0]::int AS block FROM sparse WHERE id = ${last!.id}`);
      const parts = blockRanges(await blocksOf(target.db, '"public"."sparse"'), 3);
      expect(parts.length).toBeGreaterThanOrEqual(3);
      expect(row!.block).toBeGreaterThanOrEqual(parts.at(-1)!.from!);
      const result = await midair.verify('doubling', { workers: 3 });
      expect(result).toMatchObject({ rowsChecked: ROWS, mismatches: 3, unsynced: 0 });
      expect(result.samples.map((s) => `${s.table} ${s.key}: ${s.actual} not ${s.expected}`).sort()).toEqual([
        'named code=k7: -1 not 14',
        'pairs region=east, n=5: -1 not 10',
        `sparse id=${last!.id}: -1 not ${last!.up}`,
      ]);
    } finally {
      await target.db.exec(bypassingTriggers(`UPDATE sparse SET doubled = v * 2 WHERE id = ${last!.id}; UPDATE named SET doubled = v * 2 WHERE code = 'k7'; UPDATE pairs SET doubled = v * 2 WHERE n = 5`));
    }
  }, 120_000);

  it('names where an expression fails on a row', async () => {
    await target.db.exec(bypassingTriggers('INSERT INTO ratios (id, v) VALUES (51, 0)'));
    try {
      await expect(midair.verify('ratios', { workers: 2 })).rejects.toThrow(/^verify of "ratios" stopped: an up or down expression fails on a row from the start: division by zero$/);
    } finally {
      await target.db.exec('DELETE FROM ratios WHERE id = 51');
    }
  }, 120_000);

  it('gives every worker the snapshot of the first, whatever the application commits meanwhile', async () => {
    const application = await target.old();
    const counts = await withSharedSnapshot(target.db, 3, async (connections) => {
      // Committed after the snapshot was taken and before the other workers' first query.
      await application.query('INSERT INTO nothing (id, v) VALUES (1, 1)');
      return Promise.all(connections.map(async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM nothing'))[0]!.n));
    }).finally(() => application.query('DELETE FROM nothing'));
    expect(counts).toEqual([0, 0, 0]);
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
