import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMidair, type Midair } from '../src/index.js';
import { createUsers, splitName } from './support/backfillFixture.js';
import { spawnBackfill } from './support/backfillProcess.js';
import { freshDatabase } from './support/databases.js';
import { killWhen } from './support/killMidWork.js';

// kill -9 of a backfill process at random points while it works: the next process takes over
// the ranges the dead one held, and the backfill ends exactly as if nothing had happened.

const ROWS = 200_000;
const KILLS = 5;
const BATCH = 2000;

describe('backfill killed with SIGKILL, again and again', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let client: pg.Client;
  let midair: Midair;
  const one = async <T>(sql: string) => (await client.query(sql)).rows[0] as T;
  const rowsDone = async () => Number((await one<{ n: string | null }>('SELECT max(rows_done) AS n FROM midair.backfill_checkpoints')).n ?? 0);

  beforeAll(async () => {
    db = await freshDatabase('backfill_kill');
    client = new pg.Client(db.url);
    await client.connect();
    await createUsers(client, ROWS);
    midair = await createMidair({ database: db.url });
    await midair.start(splitName);
  });

  afterAll(async () => {
    await midair?.close();
    await client?.end();
    await db?.drop();
  });

  it('resumes after every kill, does no range twice and verifies clean', async () => {
    const kills: { afterRows: number; past: number; leasesLeft: number }[] = [];
    for (let k = 0; k < KILLS; k++) {
      const before = await rowsDone();
      if (before > ROWS / 2) break; // the rest is for the last process, which must resume the kills' ranges
      const run = spawnBackfill(db.url, { workers: 2, batchSize: BATCH, targetBatchMs: 100 });
      // Kill once this process has moved the checkpoint by a random number of batches: mid-run,
      // not while it starts up, and at a different point of a range each time.
      const past = before + BATCH * Math.floor(Math.random() * 4);
      const killed = await killWhen(run, async () => (await rowsDone()) > past);
      expect(killed.result, 'the killed process reported no result').toBeNull();
      const leases = await one<{ n: string }>('SELECT count(*) AS n FROM midair.backfill_leases');
      kills.push({ afterRows: await rowsDone(), past, leasesLeft: Number(leases.n) });
      expect(kills.at(-1)!.afterRows, 'rows the kill left undone').toBeLessThan(ROWS);
    }
    // A kill between two batches would prove nothing: at least one must have left a range half done.
    expect(kills.length).toBeGreaterThanOrEqual(3);
    expect(kills.some((k) => k.leasesLeft > 0), JSON.stringify(kills)).toBe(true);

    const last = await spawnBackfill(db.url, { workers: 2, batchSize: BATCH, targetBatchMs: 100 }).done;
    expect(last.code, last.stderr).toBe(0);
    expect(last.result!.rows).toBeGreaterThan(0);

    const checkpoint = await one<{ rows_done: string; done: boolean }>('SELECT rows_done, done FROM midair.backfill_checkpoints');
    // Each range counts its rows in the transaction that fills it: a range done twice would count twice.
    expect({ rowsDone: Number(checkpoint.rows_done), done: checkpoint.done }).toEqual({ rowsDone: ROWS, done: true });
    expect(Number((await one<{ n: string }>('SELECT count(*) AS n FROM midair.backfill_leases')).n)).toBe(0);
    const verified = await midair.verify();
    expect({ rowsChecked: verified.rowsChecked, mismatches: verified.mismatches, unsynced: verified.unsynced }).toEqual({ rowsChecked: ROWS, mismatches: 0, unsynced: 0 });
  });
});
