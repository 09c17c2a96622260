import type { MigrationSpec } from '../client/spec.js';
import { embeddedTransport } from '../client/embeddedTransport.js';
import { postgresTransport } from '../client/postgresTransport.js';
import type { ClientTransport } from '../client/transport.js';
import type { ResolvedConfig } from '../config/load.js';
import type { EmbeddedExecutor } from '../db/embedded.js';
import { ident } from '../db/sql.js';
import { createMidair, type Midair } from '../midair.js';
import type { AppInstance } from './lifecycle.js';
import type { LiveView } from './liveView.js';
import type { RecordRouter } from './types.js';

export interface AppInstancesOptions<I, V, W> {
  count: number;
  /** The service the instances belong to (instance ids are `<service>-1`, `<service>-2`, ...). */
  service: string;
  /** Concurrent requests per instance: its pool holds twice as many connections (a compare reads both shapes). */
  requestsPerInstance: number;
  spec: MigrationSpec<I, V, W>;
  settings: ResolvedConfig;
  /** The embedded database, which every handle shares (it has one connection); null on a server. */
  embedded: EmbeddedExecutor | null;
  view: LiveView;
}

/** How often the instances write their evidence: often enough for the demo's short gates and soaks. */
const FLUSH_INTERVAL_MS = 250;

/** The embedded database as an instance's handle holds it: shared, so closing the handle leaves it open. */
function shared(db: EmbeddedExecutor): EmbeddedExecutor {
  return { ...db, kind: db.kind, description: db.description, close: async () => {} };
}

/**
 * The application release that does not know the migration yet: it reads and writes the old shape
 * through the same functions (the client refuses a migration the control schema does not have, so
 * the application routes through it once the migration has started).
 */
function oldShapeOnly<I, V, W>(spec: MigrationSpec<I, V, W>, transport: ClientTransport, schema: string): RecordRouter<I> {
  return {
    route: () => 'old',
    read: (input) => transport.transaction(ident(schema), true, (db) => spec.readOld(db, input)),
    write: (input) => transport.transaction(ident(schema), false, (db) => spec.writeOld(db, input)),
  };
}

/**
 * The simulated application's instances: one Midair handle each (createMidair with the service and
 * an instance id of its own), as separate processes of a service would have. Until the migration
 * has started they serve the old shape alone; from then on every request goes through
 * `midair.migration(name, spec)`, whose routing decides which shape serves it.
 */
export class AppInstances<I, V, W> {
  private constructor(
    readonly list: AppInstance<I>[],
    private readonly handles: Midair[],
    private readonly beforeStart: ClientTransport,
    private readonly options: AppInstancesOptions<I, V, W>,
  ) {}

  static async open<I, V, W>(options: AppInstancesOptions<I, V, W>): Promise<AppInstances<I, V, W>> {
    const { settings, embedded, service } = options;
    const poolSize = 2 * options.requestsPerInstance;
    const beforeStart = embedded ? embeddedTransport(embedded) : postgresTransport({ url: settings.database!, applicationName: service, poolSize });
    const handles: Midair[] = [];
    const list: AppInstance<I>[] = [];
    try {
      for (let i = 1; i <= options.count; i++) {
        const instanceId = `${service}-${i}`;
        handles.push(
          await createMidair({
            resolved: settings,
            ...(embedded ? { executor: shared(embedded) } : {}),
            service,
            instanceId,
            poolSize,
            flushIntervalMs: FLUSH_INTERVAL_MS,
            logger: { warn: (message) => options.view.note(`${instanceId}: ${message}`) },
          }),
        );
        list.push({ instanceId, router: oldShapeOnly(options.spec, beforeStart, settings.schema) });
      }
    } catch (error) {
      await Promise.all(handles.map((h) => h.close().catch(() => {})));
      await beforeStart.close();
      throw error;
    }
    return new AppInstances(list, handles, beforeStart, options);
  }

  /** Once the migration has started: every instance's requests go through its Midair client. */
  routeThroughClient(migration: string): void {
    this.handles.forEach((handle, i) => (this.list[i]!.router = handle.migration(migration, this.options.spec)));
  }

  /** Writes each instance's last evidence and closes its connections. */
  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close()));
    await this.beforeStart.close();
  }
}
