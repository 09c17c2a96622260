/**
 * `npm run bench:backfill -- [--database <url>] [--rows <n>] [--repeat <n>] [--application-only] [--json]`:
 * Midair's backfill against one plain UPDATE (the physical limit) and against row-lock batches
 * through the sync trigger (the method of existing tools), each on a fresh copy of the same table,
 * alone and under an application workload; then what the sync trigger costs the application's
 * writes; and what the application feels (its p99 against its idle p99) during Midair's backfill
 * with its default throttles and unthrottled. --application-only runs that last comparison only.
 * Not a test: it prints figures and ratios measured in the same run.
 */
import { resolveConfig } from '../src/config/load.js';
import { createMidair } from '../src/index.js';
import { connectClient, createBenchDatabase } from './backfill/database.js';
import type { Method } from './backfill/method.js';
import { ProgressLog, midairBackfill } from './backfill/midairBackfill.js';
import { parseOptions } from './backfill/options.js';
import { ProbeWorkload } from './backfill/probe.js';
import { formatReport } from './backfill/report.js';
import { TARGETS, type BenchResult, type MethodResult, type WriteOverhead } from './backfill/results.js';
import { rowLockBatches } from './backfill/rowLockBatches.js';
import { singleUpdate } from './backfill/singleUpdate.js';
import { runAlone, runUnderLoad, type Bench } from './backfill/trial.js';
import { createTemplate } from './backfill/usersTable.js';
import { writeOverhead } from './backfill/writeOverhead.js';

const options = parseOptions(process.argv.slice(2));
const began = performance.now();
const say = (message: string) => process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)}s] ${message}\n`);
const database = await createBenchDatabase(options.serverUrl);
try {
  const db = await connectClient(database.url, 'bench');
  const { rows: info } = await db.query<{ version: string }>(`SELECT split_part(version(), ' ', 2) AS version`);
  say(`creating ${options.rows} rows`);
  await createTemplate(db, options.rows);
  const log = new ProgressLog();
  const midair = await createMidair({
    resolved: resolveConfig({ database: database.url }, { baseDir: process.cwd(), database: database.url }),
    reporter: { step() {}, warn() {}, progress: (p) => log.record(p) },
    applicationName: 'bench midair',
  });
  const probe = await ProbeWorkload.open(database.url, options.rows);
  const bench: Bench = { db, url: database.url, rows: options.rows, probe, say };

  // With --application-only: Midair unthrottled and with its default throttles, under load only.
  const methods: Method[] = options.applicationOnly ? [] : [singleUpdate(db), rowLockBatches(db, midair), midairBackfill(midair, log, 1, false), midairBackfill(midair, log, 2, false)];
  const alone = new Map<string, Awaited<ReturnType<typeof runAlone>>>();
  // Rounds of all methods in turn rather than one method's runs back to back: drift of a shared
  // machine then falls on every method alike.
  for (let round = 0; round < options.repeat; round++) {
    for (const method of methods) {
      const run = await runAlone(bench, method);
      const best = alone.get(method.key);
      if (!best || run.seconds < best.seconds) alone.set(method.key, run);
    }
  }

  let writes: WriteOverhead | null = null;
  if (!options.applicationOnly) {
    const w = await writeOverhead(bench, midairBackfill(midair, log, 1, false));
    writes = { updatesPerSecondMigrationActive: w.active, updatesPerSecondNoMigration: w.none };
    say(`single-row updates/s: ${w.none.toFixed(0)} with no migration, ${w.active.toFixed(0)} with the migration active`);
  }

  const results: MethodResult[] = [];
  const underLoad = options.applicationOnly ? [midairBackfill(midair, log, 1, false)] : methods;
  for (const method of [...underLoad, midairBackfill(midair, log, 1, true)]) {
    const loaded = await runUnderLoad(bench, method);
    const a = alone.get(method.key);
    results.push({
      key: method.key,
      label: method.label,
      rows: options.rows,
      seconds: a?.seconds ?? null,
      rowsPerSecond: a ? options.rows / a.seconds : null,
      walBytesPerRow: a ? a.walBytes / options.rows : null,
      sizeBeforeBytes: a?.sizeBefore ?? null,
      sizeAfterBytes: a?.sizeAfter ?? null,
      underLoad: {
        rowsPerSecond: options.rows / loaded.seconds,
        probeIdleP99Ms: loaded.idle.p99Ms,
        probeP99Ms: loaded.loaded.p99Ms,
        probeP99VsIdle: loaded.loaded.p99Ms / loaded.idle.p99Ms,
        readP99Ms: { idle: loaded.idle.readP99Ms, during: loaded.loaded.readP99Ms },
        writeP99Ms: { idle: loaded.idle.writeP99Ms, during: loaded.loaded.writeP99Ms },
        probeOps: loaded.loaded.ops,
      },
      notes: [a?.note, loaded.note && `under load: ${loaded.note}`].filter((n): n is string => !!n),
    });
  }
  await probe.close();
  await midair.close();
  await db.end();

  const byKey = (key: string) => results.find((r) => r.key === key)!;
  const one = byKey('midair1');
  const throttled = byKey('midairThrottled1');
  const result: BenchResult = {
    rows: options.rows,
    server: `PostgreSQL ${info[0]!.version}`,
    repeat: options.repeat,
    methods: results,
    throttledKeeps: throttled.underLoad.rowsPerSecond / one.underLoad.rowsPerSecond,
    writeOverhead: writes,
    ratios: {
      probeP99VsIdle: throttled.underLoad.probeP99VsIdle,
      ...(writes && {
        vsSingleUpdate: one.rowsPerSecond! / byKey('singleUpdate').rowsPerSecond!,
        vsRowLockBatches: one.rowsPerSecond! / byKey('rowLockBatches').rowsPerSecond!,
        writeOverhead: writes.updatesPerSecondMigrationActive / writes.updatesPerSecondNoMigration,
      }),
    },
    targets: TARGETS,
  };
  say('done');
  console.log(options.json ? JSON.stringify(result, null, 2) : formatReport(result));
} finally {
  await database.drop();
}
