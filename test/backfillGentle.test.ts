import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createMidair, type BackfillProgress, type Midair } from '../src/index.js';
import { freshDatabase } from './support/databases.js';
import { createUsers, splitName } from './support/backfillFixture.js';
import { until } from './support/until.js';

/** The share a progress report says the pace is at, in percent (100 when it names no pace). */
function paceOf(p: BackfillProgress): number {
  const match = /pace (\d+)%/.exec(p.throttle ?? '');
  return match ? Number(match[1]) : 100;
}

describe('the default backfill is gentle (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: pg.Client;
  let midair: Midair;
  const reports: BackfillProgress[] = [];

  beforeAll(async () => {
    database = await freshDatabase('backfill_gentle');
    db = new pg.Client(database.url);
    await db.connect();
    await createUsers(db, 30_000);
    midair = await createMidair({ database: database.url, reporter: { step() {}, warn() {}, progress: (p) => reports.push(p) } });
    await midair.start(splitName);
    // Slow commits, made deterministic: a deferred trigger on the table whose row the throttle's
    // commit probe writes sleeps at COMMIT while the switch is on, as a commit waits behind a WAL
    // flush on a busy server.
    await db.query(`CREATE TABLE slow_commits (slow boolean NOT NULL);
      INSERT INTO slow_commits VALUES (false);
      CREATE FUNCTION sleep_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (SELECT slow FROM slow_commits) THEN PERFORM pg_sleep(0.1); END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER sleep_at_commit AFTER UPDATE ON midair.backfill_checkpoints
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sleep_at_commit()`);
  });

  afterAll(async () => {
    await midair?.close();
    await db?.end();
    await database?.drop();
  });

  it('slows down while commits are slow, says so, and speeds up again when they are not', async () => {
    // Paused, the worker measures the idle commits and then waits for the switch to be set.
    await midair.setBackfillPaused(true);
    const backfill = midair.backfill();
    await until('the worker to wait on the pause', () => reports.some((p) => p.waiting && p.throttle?.startsWith('paused')));
    await db.query('UPDATE slow_commits SET slow = true');
    await midair.setBackfillPaused(false);

    await until('the pace to reach its minimum', () => reports.some((p) => !p.waiting && paceOf(p) === 2));
    await db.query('UPDATE slow_commits SET slow = false');
    const result = await backfill;

    const batches = reports.filter((p) => !p.waiting);
    const slowest = batches.findIndex((p) => paceOf(p) === 2);
    // On the way down every batch halved the share, each for the commits it found slow.
    const down = batches.slice(0, slowest + 1);
    expect(down.map(paceOf)).toEqual([...down.map(paceOf)].sort((a, b) => b - a));
    expect(down.slice(1).every((p) => /commits \d+\.\dms > \d+\.\dms/.test(p.throttle ?? ''))).toBe(true);
    // Later it came back up: by steps, to a larger share than the minimum.
    expect(Math.max(...batches.slice(slowest).map(paceOf))).toBeGreaterThan(20);

    expect(result.rows).toBe(30_000);
    const check = await midair.verify();
    expect(check).toMatchObject({ mismatches: 0, unsynced: 0 });
  }, 180_000);
});
