import { readCatalog } from '../catalog/read.js';
import type { ResolvedConfig } from '../config/load.js';
import { describeUrl } from '../db/postgres.js';
import { MidairError } from '../errors.js';
import { createMidair } from '../midair.js';
import { resolveMigration } from '../migration/load.js';
import { buildReport } from '../workload/buildReport.js';
import { AppInstances } from '../workload/appInstances.js';
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
import { readColumnFacts } from './columns.js';
import { copyDatabase } from './copy.js';
import { sampleKeys } from './keys.js';
import { rehearsalTable, touchedTables } from './model.js';
import { RehearsalWorkload, type TableKeys } from './workload.js';

export interface RehearseOptions extends TrafficOptions {
  /** The database to rehearse on (never written to). */
  database: string;
  /** A migration file, or a name in the migrations folder. */
  migration: string;
  /** The project's settings (schema, migrations folder, lock policy, backfill batches). */
  settings: ResolvedConfig;
  /** Rows per table when the copy has to be a sample. */
  sampleRows: number;
  /** Keep the copy afterwards (its name is in the report). */
  keep: boolean;
}

export interface RehearsalReport extends RunReport {
  /** The original database, without credentials. */
  original: string;
  copy: { name: string; method: 'template' | 'sample'; reason: string | null; kept: boolean };
  /** Tables the simulated workload used (those the migration touches). */
  tables: string[];
  /** The definition rehearsed (checksumOf the migration), for the record `--attendees` keeps. */
  checksum: string;
}

/** The service the rehearsal's application instances belong to; their pools' application_name too. */
export const REHEARSE_SERVICE = 'midair-rehearsal';

/**
 * A rehearsal: the migration run through its whole life cycle in a copy of the database (shadow,
 * the ramp, the kill switch, rampdown, complete), under a simulated application derived from the
 * tables it touches whose requests go through the Midair client. The copy is dropped afterwards
 * unless `keep`.
 */
export async function runRehearsal(options: RehearseOptions): Promise<RehearsalReport> {
  const { settings } = options;
  const schema = settings.schema;
  const loaded = await resolveMigration(options.migration, settings.migrationsDir);
  const source = loaded.file ?? `migration "${loaded.migration.name}"`;
  const startedAt = Date.now();
  const timeline = new Timeline();
  const stats = new RequestStats();
  const ledger = new Ledger(() => timeline.current);
  const view = options.view?.(stats) ?? silentView;
  try {
    timeline.begin('copy');
    view.stage('copy', `copying ${describeUrl(options.database)} on its server`);
    const copy = await copyDatabase(options.database, { schema, sampleRows: options.sampleRows });
    try {
      view.note(copy.reason ? `copied the schema and a sample (not a full copy: ${copy.reason})` : `copied the whole database as "${copy.name}"`);
      const soakSeconds = options.durationSeconds / SOAKED_STAGES.length;
      // A rehearsal on a copy is not judged by the people rules (schedule guard, approvals) nor by budgets: it may run at any hour.
      const copySettings = withRunTrafficBounds({ ...settings, database: copy.url, databaseSource: 'flag', team: null, services: {} }, soakSeconds);
      const midair = await createMidair({ resolved: copySettings, reporter: liveReporter(view, options.signal), applicationName: 'midair rehearse' });
      let monitor: LockMonitor | null = null;
      let instances: { close(): Promise<void> } | null = null;
      try {
        const catalog = await readCatalog(midair.db, schema);
        const plan = await midair.plan(loaded.migration);
        const touched = touchedTables(loaded.migration, plan, catalog.tables);
        if (touched.length === 0) throw new MidairError(`${source}: the migration changes no existing table that has a key, so there is no workload to rehearse it under`, 'rehearse migrations that change existing tables; `midair plan` shows what this one does');
        const tablesFor = async (newShapeBuilt: boolean) => {
          const facts = await readColumnFacts(midair.db, schema);
          return touched.map((t) => rehearsalTable(t, facts.get(t.before.name)!, newShapeBuilt));
        };
        const before = await tablesFor(false);
        const keys = new Map<string, TableKeys>();
        let rows = 0;
        for (const t of touched) {
          const sample = await sampleKeys(midair.db, schema, t.before.name, t.before.key);
          keys.set(t.view.name, { all: new KeyPool(sample.keys), inserted: new KeyPool(), sampled: new KeyPool(sample.keys) });
          rows += sample.rows;
        }
        const workload = new RehearsalWorkload(before, keys, ledger);
        let after = before;
        const opened = await AppInstances.open({
          count: options.instances,
          service: REHEARSE_SERVICE,
          requestsPerInstance: Math.ceil(options.clients / options.instances),
          spec: workload.spec(),
          settings: copySettings,
          embedded: null,
          view,
        });
        instances = opened;
        monitor = await LockMonitor.open(copy.url, REHEARSE_SERVICE, () => timeline.current);
        const fleet = new Fleet({ clients: options.clients, instances: opened.list, workload, stats, stage: () => timeline.current });
        const result = await runLifecycle({
          midair,
          // The definition loaded once, above: the file is not imported again half-way through.
          migration: loaded.migration,
          fleet,
          instances: opened.list,
          sampleRecord: () => workload.sampleRecord(),
          timeline,
          ledger,
          finalTables: before.map((t) => t.ledger),
          schema,
          soakSeconds,
          monitor,
          view,
          signal: options.signal,
          onStarted: async () => {
            after = await tablesFor(true);
            workload.setTables(after);
            opened.routeThroughClient(loaded.migration.name);
          },
          afterStage: options.afterStage,
        });
        // Closing writes the instances' last evidence: the compares are complete only after it.
        await opened.close();
        instances = null;
        const compares = await readCompareEvidence(midair, loaded.migration.name);
        const notes = [...new Set([...copy.notes, ...after.flatMap((t) => t.notes)])];
        const report = buildReport({
          migration: loaded.migration.name,
          database: 'postgres',
          rows,
          clients: options.clients,
          instances: options.instances,
          startedAt,
          acknowledged: ledger.acknowledged,
          stats,
          timeline,
          result,
          compares,
          monitor,
          notes,
        });
        return {
          ...report,
          original: describeUrl(options.database),
          copy: { name: copy.name, method: copy.method, reason: copy.reason, kept: options.keep },
          tables: touched.map((t) => t.view.name),
          checksum: loaded.checksum,
        };
      } finally {
        await instances?.close().catch(() => {});
        await monitor?.stop();
        await midair.close();
      }
    } finally {
      view.note(options.keep ? `kept the copy "${copy.name}"` : 'dropping the copy');
      await copy.finish(options.keep).catch((error: Error) => view.note(`warning: could not drop the copy "${copy.name}" (${error.message}); drop it by hand`));
    }
  } finally {
    view.close();
  }
}
