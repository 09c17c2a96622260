import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMidair, type Midair } from '../src/index.js';
import { formatStatus } from '../src/cli/format/status.js';
import { createUsers, splitName } from './support/backfillFixture.js';
import { freshDatabase } from './support/databases.js';
import { until } from './support/until.js';

describe('midair status: counts that add up and the next step for where the migration is (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: pg.Client;
  let midair: Midair;
  const active = async () => (await midair.status()).active[0]!;

  beforeAll(async () => {
    database = await freshDatabase('status_next');
    db = new pg.Client(database.url);
    await db.connect();
    await createUsers(db, 2000);
    midair = await createMidair({ database: database.url, traffic: { minShadowCompares: 10 } });
  });

  afterAll(async () => {
    await midair?.close();
    await db?.end();
    await database?.drop();
  });

  it('walks start -> backfill -> verify -> shadow -> live -> ramp -> rampdown -> complete, never showing more rows done than in all', async () => {
    await midair.start(splitName);
    expect((await active()).next).toBe('`midair backfill split`');

    // Rows inserted after the backfill counted the table are walked too: the total rises with them.
    await midair.setBackfillPaused(true, 'split');
    const backfill = midair.backfill({ migration: 'split' });
    await until('the backfill to count the table', async () => (await db.query('SELECT 1 FROM midair.backfill_checkpoints')).rowCount === 1);
    expect((await active()).next).toBe('`midair backfill split` to finish the backfill (it resumes where it stopped)');
    await db.query(`INSERT INTO users (name, email) SELECT 'Late ' || g, 'late' || g || '@example.com' FROM generate_series(1, 500) g`);
    await midair.setBackfillPaused(false, 'split');
    await backfill;
    const [progress] = (await active()).backfill;
    expect(progress).toMatchObject({ rowsDone: 2500, rowsTotal: 2500, done: true });
    expect(formatStatus(await midair.status(), 'db')).toContain('backfill users: 2,500/2,500 rows, done');

    expect((await active()).next).toBe('`midair verify split`');
    // A row written behind the triggers' back: verify finds it, and next says to fix it first.
    await db.query(`ALTER TABLE users DISABLE TRIGGER USER; UPDATE users SET first_name = 'Wrong' WHERE id = 7; ALTER TABLE users ENABLE TRIGGER USER`);
    await midair.verify('split');
    expect((await active()).next).toBe('fix the rows the last verify found (`midair verify split` lists them), then `midair verify split` again');
    await db.query(`UPDATE users SET name = name WHERE id = 7`);
    await midair.verify('split');
    expect((await active()).next).toMatch(/^`midair advance split shadow` /);

    await midair.advance('split', 'shadow');
    expect((await active()).next).toBe('let the application clients compare reads (0 of the 10 compares going live needs), then `midair advance split live --percent 10`');
    await midair.advance('split', 'live', { percent: 10, force: { reason: 'no application in this test' } });
    expect((await active()).next).toBe('`midair ramp split 25` (now 10%)');
    await midair.kill('split', { reason: 'a test pulls it' });
    expect((await active()).next).toBe('`midair advance split live --percent 10` releases the kill switch (or `midair rollback split`)');
    await midair.advance('split', 'live', { percent: 10 });
    await midair.ramp('split', 100, { force: { reason: 'no application in this test' } });
    expect((await active()).next).toBe('`midair advance split rampdown`');
    await midair.advance('split', 'rampdown', { force: { reason: 'no soak in a test' } });
    expect((await active()).next).toMatch(/^once no instance uses the old shape \(`midair gates split`\), `midair complete split`/);

    // The text prints the same line.
    expect(formatStatus(await midair.status(), 'db')).toContain(`  next: ${(await active()).next}`);
  });
});
