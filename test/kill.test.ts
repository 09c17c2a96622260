import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { catalogSnapshot } from './support/snapshot.js';
import { freshDatabase, tempDir } from './support/databases.js';
import { makeProject } from './support/project.js';
import { expectSuccess, jsonOf, runCli, spawnCli, type CliProcess } from './support/runCli.js';

// kill -9 at any moment of start, backfill, complete and rollback, with real processes on a real
// server: the same command run again must finish the job, and the data must come out whole.

const ROWS = 200_000;
const NAME = 'price_cents';

const MIGRATION = `import { defineMigration, op } from 'midair';

export default defineMigration({
  name: '${NAME}',
  operations: [
    op.alterColumn({ table: 'items', column: 'price', name: 'price_cents', type: 'integer', nullable: false, check: 'price_cents >= 0',
      up: 'round(price::numeric * 100)::integer', down: '(price_cents / 100.0)::numeric(12,2)::text' }),
    op.createIndex({ table: 'items', columns: ['name'] }),
  ],
});
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomBetween = (lo: number, hi: number) => Math.round(lo + Math.random() * (hi - lo));

describe('kill -9 during a migration', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let dir: ReturnType<typeof tempDir>;
  let client: pg.Client;
  let original: string[];
  let expanded: string[];
  let dataHash: string;
  const cli = (...args: string[]) => runCli(dir.path, [...args, '--database', db.url]);
  const spawnMidair = (...args: string[]) => spawnCli(dir.path, [...args, '--database', db.url]);
  const one = async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows[0] as T | undefined;
  // Column numbers left out: a rolled-back column keeps its number, so a re-added one gets a new one.
  const snapshot = async () =>
    (await catalogSnapshot({ query: async (sql, params) => (await client.query(sql, params)).rows, exec: async (sql) => void (await client.query(sql)) })).map((line) =>
      line.replace(/^(column \S+) #\d+ /, '$1 '),
    ).sort();
  const stage = async () => (await one<{ stage: string }>(`SELECT stage FROM midair.migrations WHERE name = $1 ORDER BY id DESC LIMIT 1`, [NAME]))?.stage ?? null;
  // Every row of the old shape, so that no kill can lose or change one unnoticed.
  const hashOf = async (column: string) => (await one<{ h: string }>(`SELECT md5(string_agg(id || ':' || name || ':' || ${column}, ',' ORDER BY id)) AS h FROM items`))!.h;

  /** Sessions of a killed process live on until the server notices; the operator lock goes with them. */
  async function waitForSessionsOf(pid: number): Promise<void> {
    for (let i = 0; i < 600; i++) {
      const row = await one<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE $1`, [`midair % (pid ${pid})`]);
      if (Number(row!.n) === 0) return;
      await sleep(25);
    }
    throw new Error(`the sessions of killed process ${pid} did not end`);
  }

  /** SIGKILLs the process once `when` holds (polled every few ms); false if it finished first. */
  async function killWhen(run: CliProcess, when: () => Promise<boolean>): Promise<boolean> {
    let exited = false;
    void run.done.then(() => (exited = true));
    while (!exited) {
      if (await when().catch(() => false)) break;
      await sleep(3);
    }
    const killed = !exited && run.child.kill('SIGKILL');
    const result = await run.done;
    if (killed) expect(result.signal).toBe('SIGKILL');
    else expectSuccess(result, 'a command that finished before the kill');
    await waitForSessionsOf(run.child.pid!);
    return killed;
  }

  async function killAfter(run: CliProcess, ms: number): Promise<void> {
    await Promise.race([sleep(ms), run.done]);
    run.child.kill('SIGKILL');
    const result = await run.done;
    if (result.signal !== 'SIGKILL') expectSuccess(result, 'a command that finished before the kill');
    await waitForSessionsOf(run.child.pid!);
  }

  /** True while a session of the process waits for a table lock held by the "application". */
  const waitingForLock = (run: CliProcess) => async () =>
    Boolean(await one(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE $1 AND wait_event_type = 'Lock'`, [`midair % (pid ${run.child.pid})`]));

  /** An application transaction holding `lock` on items until released. */
  async function holdLock(lock: string): Promise<() => Promise<void>> {
    const app = new pg.Client(db.url);
    await app.connect();
    await app.query(`BEGIN; LOCK TABLE items IN ${lock} MODE`);
    return async () => {
      await app.query('COMMIT');
      await app.end();
    };
  }

  async function expectOriginal(): Promise<void> {
    expect(await snapshot()).toEqual(original);
    expect(await hashOf('price')).toBe(dataHash);
  }

  async function expectExpanded(): Promise<void> {
    expect(await stage()).toBe('expanded');
    expect(await snapshot()).toEqual(expanded);
  }

  async function expectVerifyClean(after: string): Promise<void> {
    const verify = jsonOf<{ rowsChecked: number; mismatches: number; unsynced: number }>(expectSuccess(await cli('verify', '--json'), `verify after ${after}`));
    expect(verify).toMatchObject({ rowsChecked: ROWS, mismatches: 0, unsynced: 0 });
  }

  beforeAll(async () => {
    db = await freshDatabase('kill');
    dir = tempDir('kill');
    // Small, short batches: the backfill of 200k rows takes long enough to be killed half-way.
    makeProject(dir.path, {
      'midair.config.ts': `export default { backfill: { batchSize: 500, targetBatchMs: 20 } };\n`,
      [`migrations/001_${NAME}.ts`]: MIGRATION,
    });
    client = new pg.Client(db.url);
    await client.connect();
    await client.query(`CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL, price text NOT NULL);
      INSERT INTO items (name, price) SELECT 'item ' || (g * 7919 % ${ROWS}), ((g % 10000) / 100.0)::text FROM generate_series(1, ${ROWS}) g;
      ANALYZE items`);
    expectSuccess(await cli('init'), 'init');
    original = await snapshot();
    dataHash = await hashOf('price');
    // The expanded shape, from a start nobody interrupted.
    expectSuccess(await cli('start', NAME), 'start');
    expanded = await snapshot();
    expectSuccess(await cli('rollback'), 'rollback');
    await expectOriginal();
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
    dir?.remove();
  });

  test('start and rollback: killed half-way, run again, they finish and the shape is right', async () => {
    // Between the expand transaction and the end of the concurrent index build.
    const building = spawnMidair('start', NAME);
    expect(await killWhen(building, async () => (await stage()) === 'expanding')).toBe(true);
    expect(await stage()).toBe('expanding');
    expectSuccess(await cli('start', NAME), 'start after kill');
    await expectExpanded();

    // While the index drop waits for an application transaction.
    let release = await holdLock('ACCESS SHARE');
    const dropping = spawnMidair('rollback', NAME);
    expect(await killWhen(dropping, waitingForLock(dropping))).toBe(true);
    await release();
    expect(await stage()).toBe('rolling_back');
    expectSuccess(await cli('rollback', NAME), 'rollback after kill');
    await expectOriginal();

    // While the expand transaction waits for its lock.
    release = await holdLock('ACCESS SHARE');
    const expanding = spawnMidair('start', NAME);
    expect(await killWhen(expanding, waitingForLock(expanding))).toBe(true);
    await release();
    expectSuccess(await cli('start', NAME), 'start after kill');
    await expectExpanded();
    expectSuccess(await cli('rollback', NAME), 'rollback');

    // Anywhere at all: a run takes about a second, most of it node's startup and loading the files.
    for (let i = 0; i < 3; i++) {
      const startDelay = randomBetween(100, 900);
      await killAfter(spawnMidair('start', NAME), startDelay);
      expectSuccess(await cli('start', NAME), `start after a kill at ${startDelay} ms`);
      await expectExpanded();
      const rollbackDelay = randomBetween(100, 600);
      await killAfter(spawnMidair('rollback', NAME), rollbackDelay);
      expectSuccess(await cli('rollback', NAME), `rollback after a kill at ${rollbackDelay} ms`);
      await expectOriginal();
    }
  });

  test('backfill: killed half-way, run again, it resumes from its checkpoint and every row is right', async () => {
    expectSuccess(await cli('start', NAME), 'start');
    const progress = async () => (await one<{ rows_done: string; done: boolean }>(`SELECT rows_done, done FROM midair.backfill_checkpoints`)) ?? null;
    const first = spawnMidair('backfill');
    expect(await killWhen(first, async () => Number((await progress())?.rows_done ?? 0) > 0)).toBe(true);
    const afterKill = (await progress())!;
    expect(afterKill.done).toBe(false);
    for (let i = 0; i < 2; i++) await killAfter(spawnMidair('backfill'), randomBetween(300, 900));

    const rerun = jsonOf<{ rows: number }>(expectSuccess(await cli('backfill', '--json'), 'backfill after kills'));
    expect(rerun.rows).toBeGreaterThan(0);
    expect(rerun.rows).toBeLessThan(ROWS - Number(afterKill.rows_done) + 1); // resumed, not started over
    expect((await progress())!.done).toBe(true);
    await expectVerifyClean('backfill was killed and run again');
    const rows = await one<{ n: string; wrong: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE price_cents IS DISTINCT FROM round(price::numeric * 100)::integer) AS wrong FROM items`,
    );
    expect(rows).toEqual({ n: String(ROWS), wrong: '0' });
    expect(await hashOf('price')).toBe(dataHash);
  });

  test('complete: killed half-way, run again, it finishes and the final shape is right', async () => {
    expect(await stage()).toBe('expanded');
    // While validating the new constraints online.
    let release = await holdLock('SHARE UPDATE EXCLUSIVE');
    const validating = spawnMidair('complete', NAME);
    expect(await killWhen(validating, waitingForLock(validating))).toBe(true);
    await release();
    expect(await stage()).toBe('expanded');
    await expectVerifyClean('complete was killed while validating');

    // While the contract transaction waits for its lock.
    release = await holdLock('ACCESS SHARE');
    const contracting = spawnMidair('complete', NAME);
    expect(await killWhen(contracting, waitingForLock(contracting))).toBe(true);
    await release();
    expect(await stage()).toBe('expanded');
    await expectVerifyClean('complete was killed in its contract transaction');

    // Anywhere, until one of the kills comes too late.
    for (let i = 0; i < 3 && (await stage()) === 'expanded'; i++) {
      const delay = randomBetween(300, 1300);
      await killAfter(spawnMidair('complete', NAME), delay);
      if ((await stage()) === 'expanded') await expectVerifyClean(`complete was killed at ${delay} ms`);
    }
    expect(jsonOf(expectSuccess(await cli('complete', NAME, '--json'), 'complete after kills'))).toMatchObject({ ok: true, stage: 'complete' });

    expect(await stage()).toBe('complete');
    const shape = (await snapshot()).filter((line) => / public\.items|public_price_cents|midair\.sync_/.test(line));
    expect(shape).toEqual([
      "column public.items id bigint NOT NULL DEFAULT nextval('items_id_seq'::regclass)",
      'column public.items name text NOT NULL',
      'column public.items price_cents integer NOT NULL',
      'column public_price_cents.items id bigint',
      'column public_price_cents.items name text',
      'column public_price_cents.items price_cents integer',
      'constraint public.items.items_pkey PRIMARY KEY (id)',
      'constraint public.items.items_price_cents_check CHECK ((price_cents >= 0))',
      'index CREATE INDEX items_name_idx ON public.items USING btree (name) valid=t',
      'index CREATE UNIQUE INDEX items_pkey ON public.items USING btree (id) valid=t',
      'relation public.items kind=r',
      'relation public.items_id_seq kind=S',
      'relation public.items_name_idx kind=i',
      'relation public.items_pkey kind=i',
      'relation public_price_cents.items kind=v',
      'schema public_price_cents',
      'view public_price_cents.items  SELECT items.id,\n    items.name,\n    items.price_cents\n   FROM items;',
    ]);
    const check = await one<{ valid: boolean }>(`SELECT convalidated AS valid FROM pg_constraint WHERE conname = 'items_price_cents_check'`);
    expect(check?.valid).toBe(true);
    const index = await one<{ valid: boolean }>(`SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'items_name_idx'`);
    expect(index?.valid).toBe(true);
    const wrong = await one<{ n: string }>(`SELECT count(*) AS n FROM items WHERE price_cents <> ((id % 10000) / 100.0 * 100)::integer`);
    expect(wrong?.n).toBe('0');
    expect(expectSuccess(await cli('latest', '--search-path'), 'latest').stdout).toBe('public_price_cents,public\n');
  });
});
