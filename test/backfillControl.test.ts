import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createMidair } from '../src/index.js';
import { freshDatabase, tempDir } from './support/databases.js';
import { createUsers, splitName } from './support/backfillFixture.js';
import { expectSuccess, jsonOf, runCli, spawnCli } from './support/runCli.js';
import { until } from './support/until.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rowsDone(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ n: string }>('SELECT coalesce(sum(rows_done), 0) AS n FROM midair.backfill_checkpoints');
  return Number(rows[0]!.n);
}

describe('backfill control from the command line (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: pg.Client;
  const dir = tempDir('backfill-control');

  beforeAll(async () => {
    database = await freshDatabase('backfill_control');
    db = new pg.Client(database.url);
    await db.connect();
    await createUsers(db, 30_000);
    const midair = await createMidair({ database: database.url });
    await midair.start(splitName);
    await midair.close();
  });

  afterAll(async () => {
    await db.end();
    await database.drop();
    dir.remove();
  });

  it('caps the rate and says so, pauses every worker from another terminal, resumes, and finishes clean', async () => {
    const flags = ['--database', database.url];
    // Without the probes, so that the cap (not the pace) is what holds the backfill back: 30,000 rows
    // take 20 s, ample time for the pause to come from another process on a busy machine (10 s was not).
    const backfill = spawnCli(dir.path, ['backfill', '--json', '--workers', '2', '--max-rows-per-second', '1500', '--no-probe', ...flags]);
    await until('backfill progress', async () => (await rowsDone(db)) > 0);

    expectSuccess(await runCli(dir.path, ['backfill', 'pause', ...flags]), 'backfill pause');
    // The ranges under way when the pause came commit; then nothing moves.
    let paused = await rowsDone(db);
    await until('the ranges under way to commit', async () => {
      await sleep(300);
      const now = await rowsDone(db);
      const settled = now === paused;
      paused = now;
      return settled;
    });
    await sleep(1500);
    expect(await rowsDone(db)).toBe(paused);
    expect(paused).toBeLessThan(30_000);

    expectSuccess(await runCli(dir.path, ['backfill', 'resume', ...flags]), 'backfill resume');
    const result = expectSuccess(await backfill.done, 'backfill');
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { event: string; reason?: string; throttle?: string | null });
    expect(lines.some((l) => l.event === 'wait' && l.reason?.includes('paused by'))).toBe(true);
    expect(lines.some((l) => l.event === 'progress' && l.throttle?.includes('rate cap 1500 rows/s'))).toBe(true);

    const verify = jsonOf<{ mismatches: number; unsynced: number; rowsChecked: number }>(await runCli(dir.path, ['verify', '--json', ...flags]));
    expect(verify).toMatchObject({ mismatches: 0, unsynced: 0, rowsChecked: 30_000 });
  });

  it('rejects a bad knob in one line', async () => {
    const result = await runCli(dir.path, ['backfill', '--max-rows-per-second', 'fast', '--database', database.url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: --max-rows-per-second fast: not a whole number/m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
