import { resolveConfig } from '../config/load.js';
import { isEmbeddedExecutor, type Queryable } from '../db/executor.js';
import { MidairError } from '../errors.js';
import { createMidair } from '../midair.js';
import { AppInstances } from '../workload/appInstances.js';
import { buildReport } from '../workload/buildReport.js';
import { readCompareEvidence } from '../workload/compareEvidence.js';
import { Fleet } from '../workload/fleet.js';
import { KeyPool } from '../workload/keyPool.js';
import { Ledger } from '../workload/ledger.js';
import { runLifecycle, SOAKED_STAGES, type TrafficOptions } from '../workload/lifecycle.js';
import { liveReporter, silentView } from '../workload/liveView.js';
import { LockMonitor } from '../workload/lockMonitor.js';
import type { RunReport } from '../workload/report.js';
import { RequestStats } from '../workload/stats.js';
import { Timeline } from '../workload/timeline.js';
import { withRunTrafficBounds } from '../workload/trafficBounds.js';
import { yieldingExecutor } from '../workload/yieldingExecutor.js';
import { DemoApp } from './app.js';
import { demoClientSpec } from './clientSpec.js';
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

/** The service the demo's application instances belong to; their pools' application_name too. */
export const DEMO_SERVICE = 'demo-shop';

async function keysOf(db: Queryable, table: string): Promise<KeyPool> {
  const rows = await db.query<{ id: string }>(`SELECT id::text AS id FROM ${table}`);
  return new KeyPool(rows.map((r) => r.id));
}

/**
 * The demo: a sample schema filled with `rows` users, a simulated application whose instances
 * send every request through the Midair client, and the demo migration run through its whole
 * life cycle under that load (shadow, the ramp, the kill switch, rampdown, complete), in a
 * database of its own that is removed afterwards. Returns what users would have seen.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const startedAt = Date.now();
  const timeline = new Timeline();
  const stats = new RequestStats();
  const view = options.view?.(stats) ?? silentView;
  const ledger = new Ledger(() => timeline.current);
  view.note(options.database ? 'creating a database of its own on the server' : 'opening a fresh embedded database (PGlite): creating its files takes a few seconds');
  let sandbox: Sandbox;
  try {
    sandbox = options.database ? await serverSandbox(options.database) : await embeddedSandbox();
  } catch (error) {
    view.close();
    throw error;
  }
  let monitor: LockMonitor | null = null;
  let instances: { close(): Promise<void> } | null = null;
  try {
    const products = productCount(options.rows);
    timeline.begin('setup');
    view.note(`database: ${sandbox.description}`);
    view.stage('setup', `${options.rows.toLocaleString('en-US')} users, ${products.toLocaleString('en-US')} products`);
    await createDemoSchema(sandbox.db, options.rows, view);
    if (options.signal?.aborted) throw new MidairError('interrupted during setup; nothing was migrated');
    const app = new DemoApp(await keysOf(sandbox.db, 'users'), await keysOf(sandbox.db, 'products'), ledger);
    const soakSeconds = options.durationSeconds / SOAKED_STAGES.length;
    const configured = resolveConfig({}, { baseDir: process.cwd(), env: {} });
    const settings = withRunTrafficBounds({ ...configured, database: sandbox.url, databaseSource: sandbox.url ? ('flag' as const) : ('embedded' as const) }, soakSeconds);
    const embedded = sandbox.url ? null : sandbox.db;
    if (embedded && !isEmbeddedExecutor(embedded)) throw new Error('the embedded sandbox is not an embedded database');
    const midair = await createMidair({ resolved: settings, executor: embedded ? yieldingExecutor(embedded) : sandbox.db, reporter: liveReporter(view, options.signal) });
    view.note(`starting ${options.instances} instances of the application ${DEMO_SERVICE}, each with a Midair client, for ${options.clients} request loops`);
    const opened = await AppInstances.open({
      count: options.instances,
      service: DEMO_SERVICE,
      requestsPerInstance: Math.ceil(options.clients / options.instances),
      spec: demoClientSpec,
      settings,
      embedded,
      view,
    });
    instances = opened;
    monitor = sandbox.url ? await LockMonitor.open(sandbox.url, DEMO_SERVICE, () => timeline.current) : null;
    const fleet = new Fleet({ clients: options.clients, instances: opened.list, workload: app, stats, stage: () => timeline.current });
    const result = await runLifecycle({
      midair,
      migration: demoMigration,
      fleet,
      instances: opened.list,
      sampleRecord: () => app.sampleRecord(),
      timeline,
      ledger,
      finalTables: DEMO_TABLES,
      schema: 'public',
      soakSeconds,
      monitor,
      view,
      signal: options.signal,
      onStarted: async () => opened.routeThroughClient(demoMigration.name),
      afterStage: options.afterStage,
    });
    // Closing writes the instances' last evidence: the compares are complete only after it.
    await opened.close();
    instances = null;
    const compares = await readCompareEvidence(midair, demoMigration.name);
    const report = buildReport({
      migration: demoMigration.name,
      database: sandbox.db.kind,
      rows: options.rows,
      clients: options.clients,
      instances: options.instances,
      startedAt,
      acknowledged: ledger.acknowledged,
      stats,
      timeline,
      result,
      compares,
      monitor,
      notes: [],
    });
    return { ...report, tables: { users: options.rows, products }, where: sandbox.description };
  } finally {
    await instances?.close().catch(() => {});
    await monitor?.stop();
    view.note('removing the demo database');
    await sandbox.dispose();
    view.close();
  }
}
