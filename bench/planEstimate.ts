/**
 * `npm run bench:plan -- [--database <url>] [--rows <n>] [--json]`: how close `midair plan`'s
 * estimate comes to what the migration then costs on the same table, in the same run: rows, the
 * backfill's seconds and WAL, and the index build's seconds, each as a ratio real / estimated.
 * The table is the backfill bench's (freshly vacuumed and checkpointed, so every page's first change
 * writes a full-page image, as on a production table). Not a test: it prints figures and ratios.
 */
import { parseArgs } from 'node:util';
import { resolveConfig } from '../src/config/load.js';
import { createMidair, defineMigration, op } from '../src/index.js';
import { connectClient, createBenchDatabase } from './backfill/database.js';
import { createTemplate, freshUsers, splitName } from './backfill/usersTable.js';

const { values } = parseArgs({
  options: {
    database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    rows: { type: 'string', default: '1000000' },
    json: { type: 'boolean', default: false },
  },
});
const rows = Number(values.rows);
if (!Number.isInteger(rows) || rows < 10_000) throw new Error('--rows must be an integer of at least 10000');

/** The backfill bench's migration, and an index built at start on a column that has its values. */
const migration = defineMigration({
  name: 'split',
  operations: [...splitName.operations, op.createIndex({ table: 'users', columns: ['plan', 'created_at'] })],
});

const say = (message: string) => process.stderr.write(`${message}\n`);
const database = await createBenchDatabase(values.database);
try {
  const db = await connectClient(database.url, 'bench plan');
  say(`creating ${rows} rows`);
  await createTemplate(db, rows);
  await freshUsers(db, rows);
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_walinspect');
  const midair = await createMidair({ resolved: resolveConfig({ database: database.url }, { baseDir: process.cwd(), database: database.url }) });

  say('planning');
  const started = performance.now();
  const { estimate } = await midair.estimate(migration);
  const planSeconds = (performance.now() - started) / 1000;
  const backfill = estimate.backfills[0]!;
  const index = estimate.steps.find((s) => s.phase === 'expandOnline' && s.held === 'scan')!;

  // A temporary slot keeps the WAL of the run until this session ends, so it can be read back.
  await db.query(`SELECT pg_create_physical_replication_slot('midair_bench_plan_${process.pid}', true, true)`);
  const lsn = async () => (await db.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn() AS lsn')).rows[0]!.lsn;
  say('start (expand, then the index build)');
  const startBegan = performance.now();
  await midair.start(migration);
  const startSeconds = (performance.now() - startBegan) / 1000;
  say('backfill');
  const before = await lsn();
  const result = await midair.backfill();
  const after = await lsn();
  // The backfill commits asynchronously: its WAL can be read back once the WAL writer flushed it.
  while (!(await db.query<{ flushed: boolean }>('SELECT pg_current_wal_flush_lsn() >= $1::pg_lsn AS flushed', [after])).rows[0]!.flushed);
  const { rows: wal } = await db.query<{ bytes: number; images: number }>(
    `SELECT sum(record_length)::float8 AS bytes, sum(fpi_length)::float8 AS images FROM pg_get_wal_records_info($1, $2)
      WHERE block_ref LIKE '% rel %/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/%'`,
    [before, after],
  );
  await midair.close();
  await db.end();

  const estimatedWal = backfill.walBytes!.rows + backfill.walBytes!.pageImages;
  const figures = {
    rows: { estimated: backfill.rows, real: rows },
    backfillSeconds: { estimated: backfill.seconds, real: result.seconds },
    walBytes: { estimated: estimatedWal, estimatedRowChanges: backfill.walBytes!.rows, real: wal[0]!.bytes, realPageImages: wal[0]!.images },
    indexBuildSeconds: { estimated: index.seconds, realStart: startSeconds },
    planSeconds,
  };
  if (values.json) {
    console.log(JSON.stringify(figures));
  } else {
    const ratio = (real: number, estimated: number | null) => (estimated ? (real / estimated).toFixed(2) : '-');
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
    console.log(`midair plan's estimate against the real run, ${rows} rows (plan took ${planSeconds.toFixed(1)} s)`);
    console.log(`                  estimated      real       real/estimated`);
    console.log(`rows              ${String(Math.round(backfill.rows!)).padEnd(14)} ${String(rows).padEnd(10)} ${ratio(rows, backfill.rows)}`);
    console.log(`backfill          ${`${backfill.seconds?.toFixed(1)} s`.padEnd(14)} ${`${result.seconds.toFixed(1)} s`.padEnd(10)} ${ratio(result.seconds, backfill.seconds)}`);
    console.log(`backfill WAL      ${mb(estimatedWal).padEnd(14)} ${mb(wal[0]!.bytes).padEnd(10)} ${ratio(wal[0]!.bytes, estimatedWal)}  (page images: about ${mb(backfill.walBytes!.pageImages)} estimated, ${mb(wal[0]!.images)} written)`);
    console.log(`index build       ${`${index.seconds?.toFixed(1)} s`.padEnd(14)} ${`${startSeconds.toFixed(1)} s`.padEnd(10)} ${ratio(startSeconds, index.seconds)}  (real: all of start, the expand transaction included)`);
  }
} finally {
  await database.drop();
}
