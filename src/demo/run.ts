import { resolveConfig } from '../config/load.js';
import type { Queryable } from '../db/executor.js';
import { MidairError } from '../errors.js';
import { createMidair } from '../midair.js';
import { buildReport } from '../workload/buildReport.js';
import type { SearchPaths } from '../workload/connection.js';
import { embeddedConnector } from '../workload/embeddedConnector.js';
import { Fleet } from '../workload/fleet.js';
import { KeyPool } from '../workload/keyPool.js';
import { Ledger } from '../workload/ledger.js';
import { runLifecycle, TRAFFIC_STEPS, type TrafficOptions } from '../workload/lifecycle.js';
import { liveReporter, silentView } from '../workload/liveView.js';
import { LockMonitor } from '../workload/lockMonitor.js';
import type { RunReport } from '../workload/report.js';
import { serverConnector } from '../workload/serverConnector.js';
import { RequestStats } from '../workload/stats.js';
import { Timeline } from '../workload/timeline.js';
import { yieldingExecutor } from '../workload/yieldingExecutor.js';
import { DemoApp } from './app.js';
import { demoMigration } from './migration.js';
import { embeddedSandbox, serverSandbox, type Sandbox } from './sandbox.js';
import { createDemoSchema, DEMO_TABLES, productCount } from './schema.js';

export interface DemoOptions extends TrafficOptions {
  /** A PostgreSQL server URL; the demo works in a database of its own there. Default: embedded. */
  database?: string | null;
  /** Users in the sample table (products: a tenth). */
  rows: number;
}

export interface DemoReport extends RunReport {
  tables: { users: number; products: number };
  /** Where it ran, for people. */
  where: string;
}

const CLIENT_APPLICATION = 'midair demo client';

async function keysOf(db: Queryable, table: string): Promise<KeyPool> {
  const rows = await db.query<{ id: string }>(`SELECT id::text AS id FROM ${table}`);
  return new KeyPool(rows.map((r) => r.id));
}

/**
 * The demo: a sample schema filled with `rows` users, a simulated application of old- and
 * new-release clients, and the demo migration run through its whole life cycle under that load,
 * in a database of its own that is removed afterwards. Returns what users would have seen.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const startedAt = Date.now();
  const timeline = new Timeline();
  const stats = new RequestStats();
  const view = options.view?.(stats) ?? silentView;
  const ledger = new Ledger(() => timeline.current);
  view.note(options.database ? 'creating a database of its own on the server' : 'opening a fresh embedded database (PGlite)');
  let sandbox: Sandbox;
  try {
    sandbox = options.database ? await serverSandbox(options.database) : await embeddedSandbox();
  } catch (error) {
    view.close();
    throw error;
  }
  let monitor: LockMonitor | null = null;
  try {
    const products = productCount(options.rows);
    timeline.begin('setup');
    view.note(`database: ${sandbox.description}`);
    view.stage('setup', `${options.rows.toLocaleString('en-US')} users, ${products.toLocaleString('en-US')} products`);
    await createDemoSchema(sandbox.db, options.rows);
    if (options.signal?.aborted) throw new MidairError('interrupted during setup; nothing was migrated');
    const app = new DemoApp(await keysOf(sandbox.db, 'users'), await keysOf(sandbox.db, 'products'), ledger);
    const settings = { ...resolveConfig({}, { baseDir: process.cwd(), env: {} }), database: sandbox.url, databaseSource: sandbox.url ? ('flag' as const) : ('embedded' as const) };
    const executor = sandbox.url ? sandbox.db : yieldingExecutor(sandbox.db);
    const midair = await createMidair({ resolved: settings, executor, reporter: liveReporter(view, options.signal) });
    const paths: SearchPaths = { old: 'public', new: null };
    const connect = sandbox.url ? serverConnector(sandbox.url, paths, CLIENT_APPLICATION) : embeddedConnector(sandbox.db, paths);
    monitor = sandbox.url ? await LockMonitor.open(sandbox.url, CLIENT_APPLICATION, () => timeline.current) : null;
    const fleet = new Fleet({ clients: options.clients, connect, workload: app, stats, stage: () => timeline.current });
    const result = await runLifecycle({
      midair,
      migration: demoMigration,
      fleet,
      clients: options.clients,
      paths,
      timeline,
      ledger,
      finalTables: DEMO_TABLES,
      schema: 'public',
      soakSeconds: options.durationSeconds / (TRAFFIC_STEPS.length + 1),
      monitor,
      view,
      signal: options.signal,
      afterStage: options.afterStage,
    });
    const report = buildReport({
      migration: demoMigration.name,
      database: sandbox.db.kind,
      rows: options.rows,
      clients: options.clients,
      startedAt,
      acknowledged: ledger.acknowledged,
      stats,
      timeline,
      result,
      monitor,
      notes: [],
    });
    return { ...report, tables: { users: options.rows, products }, where: sandbox.description };
  } finally {
    await monitor?.stop();
    view.note('removing the demo database');
    await sandbox.dispose();
    view.close();
  }
}
