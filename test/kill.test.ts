import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createMidair } from '../src/index.js';
import { catalogSnapshot } from './support/snapshot.js';
import { copyOfDatabase, freshDatabase, tempDir, type TestDatabase } from './support/databases.js';
import { killWhen } from './support/killMidWork.js';
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

// Every test works on a copy of one template database (items, the control schema installed), so
// each test stands alone and none waits for the 200k rows to be written again.
describe('kill -9 during a migration', () => {
  let template: TestDatabase;
  let db: TestDatabase;
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
  const progress = async () => (await one<{ rows_done: string; done: boolean }>(`SELECT rows_done, done FROM midair.backfill_checkpoints`)) ?? null;
  const rowsDone = async () => Number((await progress())?.rows_done ?? 0);
  const sessionsOf = async (pid: number) =>
    Number((await one<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE $1`, [`midair % (pid ${pid})`]))!.n);

  /** Sessions of a killed process live on until the server notices; the operator lock goes with them. */
  async function waitForSessionsOf(pid: number): Promise<void> {
    for (let i = 0; i < 2400; i++) {
      if ((await sessionsOf(pid)) === 0) return;
      await sleep(25);
    }
    throw new Error(`the sessions of killed process ${pid} did not end`);
  }

  /** SIGKILLs the process once `when` holds, asserts it died by the kill, and waits for its sessions to end. */
  async function kill(run: CliProcess, when: () => Promise<boolean>): Promise<void> {
    await killWhen(run, when);
    await waitForSessionsOf(run.child.pid!);
  }

  /** A moment `ms` after the process's first session connected: a kill at a random point of its work. */
  function connectedFor(run: CliProcess, ms: number): () => Promise<boolean> {
    let connectedAt: number | null = null;
    return async () => {
      if (connectedAt === null && (await sessionsOf(run.child.pid!)) > 0) connectedAt = Date.now();
      return connectedAt !== null && Date.now() - connectedAt >= ms;
    };
  }

  /** True while a session of the process waits for a table lock held by the "application". */
  const waitingForLock = (run: CliProcess) => async () =>
    Boolean(await one(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE $1 AND wait_event_type = 'Lock'`, [`midair % (pid ${run.child.pid})`]));

  /** An application transaction holding `lock` on items until released: the command cannot get past it. */
  async function holdLock(lock: string): Promise<() => Promise<void>> {
    return openTransaction(`LOCK TABLE items IN ${lock} MODE`);
  }

  /** An application transaction holding a snapshot until released: a concurrent index build cannot finish before it ends. */
  async function holdSnapshot(): Promise<() => Promise<void>> {
    return openTransaction('SELECT 1');
  }

  async function openTransaction(sql: string): Promise<() => Promise<void>> {
    const app = new pg.Client(db.url);
    await app.connect();
    await app.query(`BEGIN ISOLATION LEVEL REPEATABLE READ; ${sql}`);
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
    template = await freshDatabase('kill_template');
    db = template;
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
    await client.end();
  });

  beforeEach(async () => {
    db = await copyOfDatabase(template, 'kill');
    client = new pg.Client(db.url);
    await client.connect();
  });

  afterEach(async () => {
    await client?.end();
    await db?.drop();
  });

  afterAll(async () => {
    await template?.drop();
    dir?.remove();
  });

  test('start and rollback: killed half-way, run again, they finish and the shape is right', async () => {
    // Between the expand transaction and the end of the concurrent index build.
    const building = spawnMidair('start', NAME);
    await kill(building, async () => (await stage()) === 'expanding');
    expect(await stage()).toBe('expanding');
    expectSuccess(await cli('start', NAME), 'start after kill');
    await expectExpanded();

    // While the index drop waits for an application transaction.
    let release = await holdLock('ACCESS SHARE');
    const dropping = spawnMidair('rollback', NAME);
    await kill(dropping, waitingForLock(dropping));
    await release();
    expect(await stage()).toBe('rolling_back');
    expectSuccess(await cli('rollback', NAME), 'rollback after kill');
    await expectOriginal();

    // While the expand transaction waits for its lock.
    release = await holdLock('ACCESS SHARE');
    const expanding = spawnMidair('start', NAME);
    await kill(expanding, waitingForLock(expanding));
    await release();
    expectSuccess(await cli('start', NAME), 'start after kill');
    await expectExpanded();
    expectSuccess(await cli('rollback', NAME), 'rollback');

    // Anywhere at all once connected: an open snapshot keeps start's index build, and a lock on items
    // keeps rollback, from finishing, so each kill lands mid-work whatever the delay.
    for (let i = 0; i < 3; i++) {
      const startDelay = randomBetween(0, 1000);
      release = await holdSnapshot();
      const starting = spawnMidair('start', NAME);
      await kill(starting, connectedFor(starting, startDelay));
      await release();
      expect(await stage(), `start killed ${startDelay} ms after it connected`).not.toBe('expanded');
      expectSuccess(await cli('start', NAME), `start after a kill at ${startDelay} ms`);
      await expectExpanded();
      const rollbackDelay = randomBetween(0, 600);
      release = await holdLock('ACCESS SHARE');
      const rolling = spawnMidair('rollback', NAME);
      await kill(rolling, connectedFor(rolling, rollbackDelay));
      await release();
      expect(await stage(), `rollback killed ${rollbackDelay} ms after it connected`).not.toBe('rolled_back');
      expectSuccess(await cli('rollback', NAME), `rollback after a kill at ${rollbackDelay} ms`);
      await expectOriginal();
    }
  });

  test('backfill: killed half-way, run again, it resumes from its checkpoint and every row is right', async () => {
    expectSuccess(await cli('start', NAME), 'start');
    // Each kill comes once the process has moved the checkpoint: mid-run, not while it starts up.
    let killedAt = 0;
    for (let i = 0; i < 3; i++) {
      const before = killedAt;
      await kill(spawnMidair('backfill', '--json'), async () => (await rowsDone()) > before);
      const afterKill = (await progress())!;
      expect(afterKill.done, `kill ${i + 1}`).toBe(false);
      killedAt = Number(afterKill.rows_done);
      expect(killedAt, `kill ${i + 1} left rows to do`).toBeLessThan(ROWS);
    }

    const rerun = jsonOf<{ rows: number }>(expectSuccess(await cli('backfill', '--json'), 'backfill after kills'));
    expect(rerun.rows).toBeGreaterThan(0);
    expect(rerun.rows).toBeLessThanOrEqual(ROWS - killedAt); // resumed, not started over
    expect((await progress())!.done).toBe(true);
    await expectVerifyClean('backfill was killed and run again');
    const rows = await one<{ n: string; wrong: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE price_cents IS DISTINCT FROM round(price::numeric * 100)::integer) AS wrong FROM items`,
    );
    expect(rows).toEqual({ n: String(ROWS), wrong: '0' });
    expect(await hashOf('price')).toBe(dataHash);
  });

  test('complete: killed half-way, run again, it finishes and the final shape is right', async () => {
    expectSuccess(await cli('start', NAME), 'start');
    // This test kills complete, not backfill: backfill in this process, in large batches, is quicker.
    const midair = await createMidair({ database: db.url, backfill: { batchSize: 20_000 } });
    try {
      await midair.backfill();
    } finally {
      await midair.close();
    }
    await expectVerifyClean('backfill');
    // While validating the new constraints online.
    let release = await holdLock('SHARE UPDATE EXCLUSIVE');
    const validating = spawnMidair('complete', NAME);
    await kill(validating, waitingForLock(validating));
    await release();
    expect(await stage()).toBe('expanded');
    await expectVerifyClean('complete was killed while validating');

    // While the contract transaction waits for its lock.
    release = await holdLock('ACCESS SHARE');
    const contracting = spawnMidair('complete', NAME);
    await kill(contracting, waitingForLock(contracting));
    await release();
    expect(await stage()).toBe('expanded');
    await expectVerifyClean('complete was killed in its contract transaction');

    // Anywhere at all once connected: a lock on items keeps the contract transaction from committing.
    for (let i = 0; i < 3; i++) {
      const delay = randomBetween(0, 1000);
      release = await holdLock('ACCESS SHARE');
      const completing = spawnMidair('complete', NAME);
      await kill(completing, connectedFor(completing, delay));
      await release();
      expect(await stage(), `complete killed ${delay} ms after it connected`).toBe('expanded');
      await expectVerifyClean(`complete was killed ${delay} ms after it connected`);
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
      'index CREATE INDEX items_name_idx ON public.items USING btree (name) valid=t replica identity=f',
      'index CREATE UNIQUE INDEX items_pkey ON public.items USING btree (id) valid=t replica identity=f',
      'relation public.items kind=r replica identity=d',
      'relation public.items_id_seq kind=S replica identity=n',
      'relation public.items_name_idx kind=i replica identity=n',
      'relation public.items_pkey kind=i replica identity=n',
      'relation public_price_cents.items kind=v replica identity=n',
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
