import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMidair, type Midair } from '../src/index.js';
import { createUsers, splitName } from './support/backfillFixture.js';
import { spawnBackfill, type BackfillProcess } from './support/backfillProcess.js';
import { freshDatabase } from './support/databases.js';

// Two backfill processes on one migration at once: both work, and every key range is filled by
// exactly one of them. A trigger on the lease table logs each lease as its transaction ends it
// (that is, as the range's UPDATE commits), with the worker that owned it.

const ROWS = 120_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Ended {
  lo: string[] | null;
  hi: string[] | null;
  rows: number;
  worker: string;
}

describe('two backfill processes at once', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let client: pg.Client;
  let midair: Midair;

  beforeAll(async () => {
    db = await freshDatabase('backfill_scale_out');
    client = new pg.Client(db.url);
    await client.connect();
    await createUsers(client, ROWS);
    midair = await createMidair({ database: db.url });
    await midair.start(splitName);
    await client.query(`CREATE TABLE ended_leases (lo jsonb, hi jsonb, rows integer, worker text);
      CREATE FUNCTION log_ended_lease() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO ended_leases VALUES (OLD.lo, OLD.hi, OLD.rows, OLD.worker); RETURN OLD; END $$;
      CREATE TRIGGER log_ended_lease AFTER DELETE ON midair.backfill_leases FOR EACH ROW EXECUTE FUNCTION log_ended_lease();`);
  });

  afterAll(async () => {
    await midair?.close();
    await client?.end();
    await db?.drop();
  });

  it('shares the work: both fill rows, no range is filled twice or missed', async () => {
    // Paused, both processes start and wait; resumed, they start within the second a paused worker
    // sleeps. The rate cap (per process) keeps the first from finishing the table alone meanwhile.
    await midair.setBackfillPaused(true);
    const options = { workers: 2, batchSize: 500, targetBatchMs: 20, maxRowsPerSecond: 40_000 };
    const runs: BackfillProcess[] = [spawnBackfill(db.url, options), spawnBackfill(db.url, options)];
    while (!runs.every((r) => r.progress.some((p) => p.throttle?.startsWith('paused')))) {
      if (runs.some((r) => r.child.exitCode !== null)) throw new Error(`a backfill exited early: ${(await Promise.race(runs.map((r) => r.done))).stderr}`);
      await sleep(20);
    }
    await midair.setBackfillPaused(false);
    const results = await Promise.all(runs.map((r) => r.done));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const [a, b] = results.map((r) => r.result!);

    // Both did work, and together exactly the table's rows.
    expect(a!.rows).toBeGreaterThan(0);
    expect(b!.rows).toBeGreaterThan(0);
    expect(a!.rows + b!.rows).toBe(ROWS);

    // The ended leases tile the key space: in key order each starts where the one before ended,
    // from the first key to past the last. An overlap (a range done twice) or a gap breaks the chain.
    const ended = (await client.query<Ended>('SELECT lo, hi, rows, worker FROM ended_leases')).rows;
    ended.sort((x, y) => (x.lo === null ? -1 : y.lo === null ? 1 : Number(x.lo[0]) - Number(y.lo[0])));
    expect(ended[0]!.lo).toBeNull();
    for (let i = 1; i < ended.length; i++) expect(ended[i]!.lo, `lease ${i} of ${ended.length}`).toEqual(ended[i - 1]!.hi);
    expect(ended.at(-1)!.hi).toBeNull();

    // Each process's own count is the rows of the leases its workers ended.
    const pids = runs.map((r) => r.child.pid!);
    const rowsOf = (pid: number) => ended.filter((e) => e.worker.split(':')[1] === String(pid)).reduce((sum, e) => sum + e.rows, 0);
    expect(pids.map(rowsOf)).toEqual([a!.rows, b!.rows]);
    expect(ended.reduce((sum, e) => sum + e.rows, 0)).toBe(ROWS);

    const verified = await midair.verify();
    expect({ mismatches: verified.mismatches, unsynced: verified.unsynced, rowsChecked: verified.rowsChecked }).toEqual({ mismatches: 0, unsynced: 0, rowsChecked: ROWS });
  });
});
