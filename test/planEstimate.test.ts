import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCatalog } from '../src/catalog/read.js';
import { formatPlan } from '../src/cli/format/plan.js';
import { estimatePlan, type PlanEstimate } from '../src/estimate/estimate.js';
import { defineMigration, op, type Migration } from '../src/index.js';
import { tempDir } from './support/databases.js';
import { makeProject } from './support/project.js';
import { runCli } from './support/runCli.js';
import { openTarget, type Target } from './support/targets.js';

const ROWS = 50_000;

/** A table of `rows` rows that autovacuum leaves alone, so whether it was analysed is up to the test. */
function load(table: string, rows: number): string {
  return `CREATE TABLE ${table} (id serial PRIMARY KEY, name text NOT NULL, email text) WITH (autovacuum_enabled = false);
    INSERT INTO ${table} (name, email) SELECT 'first' || g || ' last' || g, 'u' || g || '@example.com' FROM generate_series(1, ${rows}) g;`;
}

/** Adds a column with `up` and an index on it: a backfill and an online index build. */
function addGiven(table: string, up = "split_part(name, ' ', 1)"): Migration {
  return defineMigration({
    name: `given_${table}`,
    operations: [op.addColumn({ table, column: { name: 'given', type: 'text' }, up }), op.createIndex({ table, columns: ['given'] })],
  });
}

/** Everything a sample could leave behind: the rows, the sequence, other sessions' locks and transactions, relations and functions. */
async function traces(target: Target, table: string) {
  const [row] = await target.db.query<Record<string, unknown>>(
    `SELECT (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM ${table} t) AS rows,
            (SELECT last_value FROM ${table}_id_seq) AS sequence,
            (SELECT count(*)::int FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE a.datname = current_database() AND l.pid <> pg_backend_pid()) AS locks,
            (SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%') AS open_transactions,
            (SELECT count(*)::int FROM pg_class WHERE relname LIKE 'plan\\_sample%') AS relations,
            (SELECT count(*)::int FROM pg_proc WHERE proname LIKE 'plan\\_sample%') AS functions`,
  );
  return row!;
}

function within(actual: number, expected: number, factor: number): void {
  expect(actual, `${actual} vs ${expected}`).toBeGreaterThanOrEqual(expected / factor);
  expect(actual, `${actual} vs ${expected}`).toBeLessThanOrEqual(expected * factor);
}

function walTotal(estimate: PlanEstimate): number {
  const wal = estimate.backfills[0]!.walBytes!;
  return wal.rows + wal.pageImages;
}

describe('postgres: plan estimates', () => {
  let target: Target;
  beforeAll(async () => {
    target = await openTarget('postgres', 'plan_estimate');
  }, 60_000);
  afterAll(() => target?.close());

  it('after ANALYZE the rows are within 10%; the lock table of an add-column + index migration holds the expected modes', async () => {
    await target.db.exec(`${load('people', ROWS)} ANALYZE people;`);
    const { plan, estimate } = await target.midair().estimate(addGiven('people'));
    expect(estimate.sampled).toBe(true);
    const [backfill] = estimate.backfills;
    within(backfill!.rows!, ROWS, 1.1);
    expect(backfill!.rowsFrom).toBe('statistics');
    expect(backfill!.seconds).toBeGreaterThan(0);
    expect(backfill!.growth!.heapPages).toBeGreaterThan(0);

    const lockOf = (phase: PlanEstimate['steps'][number]['phase'], sql: RegExp) => {
      const i = plan[phase].findIndex((s) => sql.test(s.sql));
      expect(i, `${phase}: ${sql}`).toBeGreaterThanOrEqual(0);
      return estimate.steps.find((s) => s.phase === phase && s.step === i + 1)!;
    };
    const addColumn = lockOf('expand', /^ALTER TABLE .* ADD COLUMN "given"/);
    expect(addColumn).toMatchObject({ lock: expect.stringMatching(/^ACCESS EXCLUSIVE/), held: 'brief' });
    expect(lockOf('expand', /^CREATE TRIGGER/)).toMatchObject({ lock: expect.stringMatching(/^SHARE ROW EXCLUSIVE/), held: 'brief' });
    const index = lockOf('expandOnline', /^CREATE INDEX CONCURRENTLY/);
    expect(index).toMatchObject({ lock: expect.stringMatching(/^SHARE UPDATE EXCLUSIVE/), held: 'scan', rows: backfill!.rows });
    expect(index.seconds).toBeGreaterThan(0);
    expect(lockOf('rollback', /DROP COLUMN IF EXISTS "given"/)).toMatchObject({ lock: expect.stringMatching(/^ACCESS EXCLUSIVE/), held: 'brief' });
    // Every statement of every phase has its lock and how long it is held.
    expect(estimate.steps).toHaveLength(plan.expand.length + plan.expandOnline.length + plan.validate.length + plan.contract.length + plan.contractOnline.length + plan.rollbackOnline.length + plan.rollback.length);

    const text = formatPlan(plan, estimate);
    expect(text).toMatch(/CREATE INDEX CONCURRENTLY .*\n\s+lock: SHARE UPDATE EXCLUSIVE .*; held: (~[\d.]+s|under 0.1s) \(scans 50,000 rows\)/);
    expect(text).toMatch(/backfill "people": 50,000 rows \(from the statistics\)/);
    expect(text).toMatch(/sample of this server's speed .* rolled back; --no-sample for statistics only/);
  }, 120_000);

  it('the WAL estimate, sampled or from statistics only, is within a factor 2 of what the real backfill writes', async () => {
    await target.db.exec(`${load('walled', ROWS)} ANALYZE walled; CREATE EXTENSION IF NOT EXISTS pg_walinspect;`);
    const migration = addGiven('walled');
    const midair = target.midair();
    const sampled = (await midair.estimate(migration)).estimate;
    const statisticsOnly = (await midair.estimate(migration, { sample: false })).estimate;
    expect(statisticsOnly.sampled).toBe(false);
    expect(statisticsOnly.backfills[0]!.seconds).toBeNull();
    await midair.start(migration);
    const written = await target.db.session(async (session) => {
      // A temporary slot keeps the WAL from here on until this session ends: a checkpoint during the backfill must not recycle it.
      await session.query('SELECT pg_create_physical_replication_slot($1, true, true)', [`midair_t_plan_${process.pid}`]);
      const lsn = async (fn: string) => (await session.query<{ lsn: string }>(`SELECT ${fn}() AS lsn`))[0]!.lsn;
      const before = await lsn('pg_current_wal_insert_lsn');
      await midair.backfill();
      const after = await lsn('pg_current_wal_insert_lsn');
      // The backfill commits asynchronously: wait until its WAL is flushed, then read it back.
      for (const deadline = Date.now() + 30_000; ; ) {
        const [row] = await session.query<{ flushed: boolean }>('SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS flushed', [after]);
        if (row!.flushed) break;
        if (Date.now() > deadline) throw new Error('the WAL was not flushed within 30 s');
        await session.query('SELECT pg_sleep(0.05)');
      }
      // Only this database's records: other tests on the server write WAL at the same time.
      const [row] = await session.query<{ bytes: number }>(
        `SELECT sum(record_length)::float8 AS bytes FROM pg_get_wal_records_info($1, $2)
          WHERE block_ref LIKE '% rel %/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/%'`,
        [before, after],
      );
      return row!.bytes;
    });
    within(walTotal(sampled), written, 2);
    within(walTotal(statisticsOnly), written, 2);
  }, 180_000);

  it('sampling leaves no trace: rows, sequence, locks, transactions, relations and functions are as before', async () => {
    await target.db.exec(`${load('traced', 5000)} ANALYZE traced;`);
    const before = await traces(target, 'traced');
    const { estimate } = await target.midair().estimate(addGiven('traced'));
    expect(estimate.sampled).toBe(true);
    expect(estimate.statistics.traced!.sample!.rows).toBeGreaterThan(0);
    expect(await traces(target, 'traced')).toEqual(before);
  }, 120_000);

  it('an `up` that calls a sequence is not sampled, and says why; the sample does not move the sequence', async () => {
    await target.db.exec(`${load('numbered', 1000)} ANALYZE numbered;`);
    const migration = addGiven('numbered', "nextval('numbered_id_seq')::text");
    const midair = target.midair();
    const sequence = async () => Number((await target.db.query<{ n: string }>('SELECT last_value AS n FROM numbered_id_seq'))[0]!.n);
    // The server checks of every plan evaluate `up` on sample rows: only what sampling adds to that counts here.
    const first = await sequence();
    await midair.estimate(migration, { sample: false });
    const checked = await sequence();
    const { estimate } = await midair.estimate(migration);
    expect((await sequence()) - checked).toBe(checked - first);
    expect(estimate.sampled).toBe(false);
    expect(estimate.notes).toContainEqual(expect.stringMatching(/^"numbered": not sampled: operation 1 \(addColumn\): the value of "given" calls a sequence, which a sample would advance even rolled back; its times are unknown/));
    expect(estimate.backfills[0]!.walBytes!.rows).toBeGreaterThan(0);
  }, 120_000);

  it('an `up` that fails on a row the checks before start did not try: the sample says so, the rest is estimated', async () => {
    await target.db.exec(`${load('failing', 3000)} ANALYZE failing;`);
    const { estimate } = await target.midair().estimate(addGiven('failing', '(100 / (id - 2500))::text'));
    expect(estimate.sampled).toBe(false);
    expect(estimate.notes).toContainEqual(expect.stringMatching(/^"failing": not sampled: the sample failed: division by zero; its times are unknown and its WAL comes from statistics/));
    expect(estimate.backfills[0]).toMatchObject({ rows: 3000, seconds: null, walBytes: { rows: expect.any(Number) } });
  }, 120_000);

  it('a table never analysed is counted, with a note to run ANALYZE; one too large to count has unknown rows', async () => {
    await target.db.exec(load('fresh', 2000));
    const migration = addGiven('fresh');
    const midair = target.midair();
    const { estimate } = await midair.estimate(migration, { sample: false });
    expect(estimate.backfills[0]).toMatchObject({ rows: 2000, rowsFrom: 'count' });
    expect(estimate.notes).toContainEqual(expect.stringMatching(/^"fresh" has never been analysed: its rows were counted \(2000\) .*run ANALYZE public\.fresh for a better estimate/));

    const plan = await midair.plan(migration);
    const large = await estimatePlan(target.db, plan, (await readCatalog(target.db, 'public')).tables, { sample: false, batchSize: 1000, targetBatchMs: 100, countLimitBytes: 0 });
    expect(large.backfills[0]).toMatchObject({ rows: null, rowsFrom: 'unknown', walBytes: null, growth: null });
    expect(large.steps.find((s) => s.held === 'scan')).toMatchObject({ rows: null, seconds: null });
    expect(large.notes).toContainEqual(expect.stringMatching(/^"fresh" has never been analysed and is too large to count quickly: .*run ANALYZE public\.fresh and plan again/));
    const text = formatPlan(plan, large);
    expect(text).toMatch(/backfill "fresh": rows unknown/);
    expect(text).toMatch(/estimate, from table statistics only \(not sampled: times unknown\)/);
    expect(text).toMatch(/time {4}unknown \(not sampled\)/);
  }, 120_000);

  it('the CLI: plan --json --no-sample carries the numbers', async () => {
    await target.db.exec(`${load('cli_people', 3000)} ANALYZE cli_people;`);
    const dir = tempDir('plan-estimate');
    try {
      makeProject(dir.path, {
        'migrations/20261202_given.ts': `import { defineMigration, op } from 'midair';
export default defineMigration({ name: 'given', operations: [op.addColumn({ table: 'cli_people', column: { name: 'given', type: 'text' }, up: "split_part(name, ' ', 1)" })] });\n`,
      });
      const url = target.midair().config.database!;
      const json = await runCli(dir.path, ['plan', 'given', '--json', '--no-sample', '--database', url]);
      expect(json.code, json.stderr).toBe(0);
      const out = JSON.parse(json.stdout) as { ok: boolean; expand: unknown[]; estimate: PlanEstimate };
      expect(out.ok).toBe(true);
      expect(out.estimate.sampled).toBe(false);
      expect(out.estimate.backfills[0]).toMatchObject({ table: 'cli_people', rows: 3000, rowsFrom: 'statistics', seconds: null, walBytes: { rows: expect.any(Number) } });
    } finally {
      dir.remove();
    }
  }, 120_000);
});

describe('embedded: plan estimates', () => {
  let target: Target;
  beforeAll(async () => {
    target = await openTarget('embedded', 'plan_estimate');
  }, 60_000);
  afterAll(() => target?.close());

  it('samples the embedded database too, and leaves no trace', async () => {
    await target.db.exec(`${load('people', 5000)} ANALYZE people;`);
    const before = await traces(target, 'people');
    const { estimate } = await target.midair().estimate(addGiven('people'));
    expect(estimate.sampled).toBe(true);
    within(estimate.backfills[0]!.rows!, 5000, 1.1);
    expect(estimate.backfills[0]!.walBytes!.rows).toBeGreaterThan(0);
    expect(estimate.steps.find((s) => s.held === 'scan')!.seconds).toBeGreaterThan(0);
    expect(await traces(target, 'people')).toEqual(before);
  }, 120_000);
});
