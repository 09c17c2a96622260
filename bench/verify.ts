/**
 * `npm run bench:verify -- [--database <url>] [--rows <n>] [--repeat <n>] [--json]`: `midair verify`
 * against one plain scan that computes the same comparison (the physical limit of a check that
 * reads every row), on the same migrated table in the same run. Not a test: it prints figures and
 * the ratio; each contender's result is checked against the others', so a fast figure can never
 * come from a wrong count.
 */
import type pg from 'pg';
import { resolveConfig } from '../src/config/load.js';
import { createMidair, type Midair } from '../src/index.js';
import { connectClient, createBenchDatabase } from './backfill/database.js';
import { FIRST_NAME, LAST_NAME, createTemplate, freshUsers, splitName } from './backfill/usersTable.js';
import { parseOptions } from './verify/options.js';

/** The ratio issue 11 asks for: Midair's verify at least this fast relative to one plain scan. */
const TARGET = 0.8;

interface Counts {
  rows: number;
  unsynced: number;
  mismatches: number;
}

interface Contender {
  label: string;
  run(): Promise<Counts>;
}

/**
 * The baseline: the comparison verify makes, written by hand as one aggregate over the table as
 * PostgreSQL plans it (in parallel where it chooses to). Rows the new release wrote last ('n')
 * must have name = down(new row); the others the new columns = up(old row).
 */
function plainScan(db: pg.Client): Contender {
  return {
    label: 'one plain scan',
    async run() {
      const { rows } = await db.query<{ n: number; u: number; m: number }>(`
        SELECT count(*)::float8 AS n, count(*) FILTER (WHERE _midair_source IS NULL)::float8 AS u,
               count(*) FILTER (WHERE CASE WHEN _midair_source = 'n' THEN name IS DISTINCT FROM concat_ws(' ', first_name, last_name)
                                           ELSE first_name IS DISTINCT FROM ${FIRST_NAME} OR last_name IS DISTINCT FROM ${LAST_NAME} END)::float8 AS m
          FROM users`);
      return { rows: rows[0]!.n, unsynced: rows[0]!.u, mismatches: rows[0]!.m };
    },
  };
}

function midairVerify(midair: Midair, workers?: number): Contender {
  return {
    label: workers === undefined ? 'midair verify, default workers' : `midair verify, ${workers} worker${workers > 1 ? 's' : ''}`,
    async run() {
      const r = await midair.verify(undefined, workers === undefined ? {} : { workers });
      return { rows: r.rowsChecked, unsynced: r.unsynced, mismatches: r.mismatches };
    },
  };
}

const options = parseOptions(process.argv.slice(2));
const began = performance.now();
const say = (message: string) => process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)}s] ${message}\n`);
const database = await createBenchDatabase(options.serverUrl);
try {
  const db = await connectClient(database.url, 'bench');
  const { rows: info } = await db.query<{ version: string; gather: string }>(`SELECT split_part(version(), ' ', 2) AS version, current_setting('max_parallel_workers_per_gather') AS gather`);
  say(`creating ${options.rows} rows`);
  await createTemplate(db, options.rows);
  await freshUsers(db, options.rows);
  const midair = await createMidair({
    resolved: resolveConfig({ database: database.url }, { baseDir: process.cwd(), database: database.url }),
    reporter: { step() {}, warn() {}, progress() {} },
    applicationName: 'bench midair',
  });
  await midair.start(splitName);
  say('backfilling');
  await midair.backfill({ workers: 2, throttle: { maxReplicationLagMs: 0, probeSql: null } });
  // One row in a hundred written last through the new shape, so `down` is checked too.
  await db.query(`SET search_path = ${await midair.latestSearchPath()}; UPDATE users SET last_name = last_name WHERE id % 100 = 0; RESET search_path`);
  await db.query('VACUUM (ANALYZE) users');
  await db.query('CHECKPOINT');

  const contenders = [plainScan(db), midairVerify(midair), midairVerify(midair, 1)];
  const best = new Map<string, number>();
  let expected: Counts | undefined;
  // Rounds of all contenders in turn: drift of a shared machine falls on each alike.
  for (let round = 0; round < options.repeat; round++) {
    for (const c of contenders) {
      const t = performance.now();
      const counts = await c.run();
      const seconds = (performance.now() - t) / 1000;
      expected ??= counts;
      if (round === 0 && c === contenders[0]) say(`counts: ${JSON.stringify(counts)}`);
      if (JSON.stringify(counts) !== JSON.stringify(expected)) throw new Error(`${c.label} counted ${JSON.stringify(counts)}, the plain scan ${JSON.stringify(expected)}`);
      say(`${c.label}: ${seconds.toFixed(3)}s`);
      best.set(c.label, Math.min(seconds, best.get(c.label) ?? Infinity));
    }
  }
  await midair.rollback();
  await midair.close();
  await db.end();

  const baseline = best.get(contenders[0]!.label)!;
  const results = contenders.map((c) => ({ label: c.label, seconds: best.get(c.label)!, rowsPerSecond: options.rows / best.get(c.label)!, ratio: baseline / best.get(c.label)! }));
  const ratio = results[1]!.ratio;
  const report = { rows: options.rows, server: `PostgreSQL ${info[0]!.version}`, maxParallelWorkersPerGather: Number(info[0]!.gather), repeat: options.repeat, counts: expected, results, ratio, target: TARGET, met: ratio >= TARGET };
  if (options.json) console.log(JSON.stringify(report, null, 2));
  else {
    const width = Math.max(...results.map((r) => r.label.length));
    console.log(`verify of ${options.rows.toLocaleString('en-US')} rows on ${report.server} (max_parallel_workers_per_gather ${report.maxParallelWorkersPerGather}), fastest of ${options.repeat} runs each`);
    for (const r of results) console.log(`  ${r.label.padEnd(width)}  ${r.seconds.toFixed(3)} s  ${Math.round(r.rowsPerSecond).toLocaleString('en-US').padStart(10)} rows/s  ${r.ratio.toFixed(2)}x`);
    console.log(`ratio (one plain scan time / midair verify time, default workers): ${ratio.toFixed(2)}x, target >= ${TARGET}: ${report.met ? 'met' : 'MISSED'}`);
  }
} finally {
  await database.drop();
}
