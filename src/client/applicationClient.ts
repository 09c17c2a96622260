import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ResolvedConfig } from '../config/load.js';
import { isEmbeddedExecutor, type Executor } from '../db/executor.js';
import { MidairError } from '../errors.js';
import { enforceGuards } from '../stages/guards.js';
import { processActor } from '../people/actor.js';
import { budgetFired, DEFAULT_CLOSE_WAIT_MS, guardFired, PagingInFlight, tell } from '../people/paging/index.js';
import { atMostEvery, BUDGET_CHECK_MS, enforceBudget, migrationsOfService } from '../slo/budgetGuard.js';
import { GuardOutage } from '../slo/guardOutage.js';
import { RequestCounts, type TrackedRequest } from '../slo/requestCounts.js';
import { embeddedTransport } from './embeddedTransport.js';
import { Evidence } from './evidence.js';
import { EvidenceFlusher, type AfterFlush } from './flusher.js';
import { MigrationClient } from './migrationClient.js';
import { postgresTransport } from './postgresTransport.js';
import { DEFAULT_POLL, RoutingWatcher, type PollIntervals } from './routingWatcher.js';
import type { ClientLogger, MigrationSpec } from './spec.js';
import type { ClientTransport } from './transport.js';

/** createMidair's options for the application side (docs/client.md). */
export interface ApplicationOptions {
  /** The service this process is an instance of, e.g. "accounts-api": required for midair.migration(). */
  service?: string;
  /** Default `<service>-<hostname>-<pid>-<random>`. */
  instanceId?: string;
  /** Where control-schema trouble is reported, once per outage. Default console.warn. */
  logger?: ClientLogger;
  /** Connections of the application's pool. Default 10. */
  poolSize?: number;
  /** A direct URL for the LISTEN connection when the database URL goes through PgBouncer in transaction mode. */
  listenUrl?: string;
  /** How often evidence is written. Default 1000 ms. */
  flushIntervalMs?: number;
  /** How often routing is read when no notification came. Default 5 s while listening, 300 ms while not. */
  pollIntervals?: Partial<PollIntervals>;
  /** Called after each flush for each migration routed, after the guards. */
  afterFlush?: AfterFlush[];
}

const DEFAULT_POOL_SIZE = 10;

/**
 * The application side of one Midair handle: a connection pool of its own, the routing watcher,
 * the evidence in memory and its flusher, shared by the handle's migration clients.
 */
export class ApplicationClient {
  readonly instanceId: string;
  private readonly watcher: RoutingWatcher;
  private readonly evidence = new Evidence();
  /** The service's requests per minute (midair.track, midair.middleware()), flushed with the evidence. */
  private readonly requests: RequestCounts;
  /** Whether track() was called yet: the first call checks that the config declares the service. */
  private tracking = false;
  private readonly flusher: EvidenceFlusher;
  private readonly names = new Set<string>();
  private readonly inBackground = new Set<Promise<void>>();
  /** A guard's pages still sending: close() waits for them, with a cap. */
  private readonly paging = new PagingInFlight();
  private readonly maxInBackground: number;

  private constructor(
    private readonly transport: ClientTransport,
    private readonly settings: ResolvedConfig,
    private readonly logger: ClientLogger,
    private readonly service: string,
    options: ApplicationOptions,
  ) {
    this.instanceId = options.instanceId ?? `${service}-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.watcher = new RoutingWatcher(transport, logger, { ...DEFAULT_POLL, ...options.pollIntervals });
    // Comparisons hold a connection a little longer than the read they compare: never more than the pool has.
    this.maxInBackground = options.poolSize ?? DEFAULT_POOL_SIZE;
    // Every instance judges the guards on the evidence it just wrote: a breach pulls the kill switch
    // without any operator process running (pulled once however many instances see it).
    const guards: AfterFlush = async (migrationId) => {
      // Guards judge live migrations only: no query at all for the others.
      const state = this.watcher.states().find((s) => s.migrationId === migrationId);
      if (state?.stage !== 'live' || state.killed) return;
      const breach = await enforceGuards(transport.control, migrationId, settings.traffic);
      if (!breach?.pulled) return;
      logger.warn(`midair: ${breach.reason}: pulled the kill switch, every record goes to the old shape`);
      await tell(teller, () => guardFired(breach));
    };
    const teller = { db: transport.control, actor: processActor(), team: settings.team, now: () => new Date(), options: {}, inFlight: this.paging, warn: (m: string) => logger.warn(`midair: ${m}`) };
    // Every instance of a service judges its budget too (every migration of the service, routed here or
    // not: a backfill has no instance of its own), at most every BUDGET_CHECK_MS, not on every flush.
    // A guard that cannot judge (the SLI unreadable, the control schema refusing) says so once per outage.
    const outage = new GuardOutage(`the budget guard of service "${service}"`, (message) => logger.warn(`midair: ${message}`));
    const budgetGuard = atMostEvery(BUDGET_CHECK_MS, () =>
      outage.round(async (onSliUnknown) => {
        for (const migration of await migrationsOfService(transport.control, settings, service)) {
          const enforced = await enforceBudget(transport.control, settings, migration, new Date(), onSliUnknown);
          if (!enforced?.paused && !enforced?.pulled) continue;
          const message = budgetFired(enforced);
          logger.warn(`midair: ${message.message}`);
          await tell(teller, () => message);
        }
      }),
    );
    const afterFlush = [guards, ...(options.afterFlush ?? [])];
    this.requests = new RequestCounts(settings.services[service]?.latency?.underMs ?? null);
    this.flusher = new EvidenceFlusher(transport.control, { evidence: this.evidence, requests: this.requests }, this.watcher, { id: this.instanceId, service }, options.flushIntervalMs ?? 1000, afterFlush, logger, budgetGuard);
    this.flusher.start();
  }

  /**
   * On a server: a plain pool of the application's own (Midair's operator pool sets session options
   * PgBouncer rejects). On the embedded database: Midair's one connection, shared.
   */
  static open(settings: ResolvedConfig, db: Executor, options: ApplicationOptions & { service: string }): ApplicationClient {
    const service = options.service;
    const logger = options.logger ?? { warn: (message: string) => console.warn(message) };
    let transport: ClientTransport;
    if (settings.database) {
      transport = postgresTransport({ url: settings.database, listenUrl: options.listenUrl, applicationName: service, poolSize: options.poolSize ?? DEFAULT_POOL_SIZE });
    } else if (isEmbeddedExecutor(db)) {
      transport = embeddedTransport(db);
    } else {
      throw new MidairError('the application client needs a database URL, or the embedded database opened by createMidair', 'leave out the `executor` option, or give `database`');
    }
    return new ApplicationClient(transport, settings, logger, service, options);
  }

  migration<Input, Value = unknown, Written = unknown>(name: string, spec: MigrationSpec<Input, Value, Written>): MigrationClient<Input, Value, Written> {
    if (this.names.has(name)) {
      throw new MidairError(`midair.migration("${name}") was called twice on one handle`, 'create the migration client once and share it');
    }
    if (spec.shadowSample !== undefined && !(spec.shadowSample >= 0 && spec.shadowSample <= 1)) {
      throw new MidairError(`migration "${name}": shadowSample ${spec.shadowSample} is not a share between 0 and 1`, 'e.g. shadowSample: 0.1 compares one read in ten');
    }
    const client = new MigrationClient(name, spec, {
      transport: this.transport,
      watcher: this.watcher,
      evidence: this.evidence,
      logger: this.logger,
      schema: this.settings.schema,
      shadowSample: this.settings.traffic.shadowSample,
      hasRoomInBackground: () => this.inBackground.size < this.maxInBackground,
      background: (work) => this.background(work),
    });
    this.names.add(name);
    this.watcher.watch(name);
    return client;
  }

  /** Counts one request of the service for its SLI: in memory, never I/O; written with the next flush. */
  track(request: TrackedRequest): void {
    if (!this.tracking) {
      this.tracking = true;
      // Counted all the same (the operator's config may declare it), but with no latency bound none is fast.
      if (!this.settings.services[this.service]) {
        this.logger.warn(`midair: service "${this.service}" is not declared in the config's \`services\`: its requests are counted, none of them as fast; declare it with its objectives (docs/slo.md)`);
      }
    }
    this.requests.add(request);
  }

  /** Waits for the comparisons under way, then writes the evidence now (it is written every flush interval anyway). */
  async flush(): Promise<void> {
    await Promise.all(this.inBackground);
    await this.flusher.flush();
  }

  /** Waits for the comparisons under way, writes the last evidence, and closes the connections. */
  async close(): Promise<void> {
    await Promise.all(this.inBackground);
    await this.watcher.close();
    await this.flusher.close();
    // After the last flush, whose guards may page.
    await this.paging.close(DEFAULT_CLOSE_WAIT_MS, (m) => this.logger.warn(`midair: ${m}`));
    await this.transport.close();
  }

  private background(work: Promise<void>): void {
    const running: Promise<void> = work
      .catch((error: unknown) => this.logger.warn(`midair: a comparison failed: ${(error as Error).message}`))
      .finally(() => this.inBackground.delete(running));
    this.inBackground.add(running);
  }
}
