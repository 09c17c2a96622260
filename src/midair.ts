import { readCatalog, type Catalog } from './catalog/read.js';
import { estimatePlan, type PlanEstimate } from './estimate/estimate.js';
import type { ApplicationClient, ApplicationOptions } from './client/applicationClient.js';
import type { MigrationClient } from './client/migrationClient.js';
import type { ClientLogger, MigrationSpec } from './client/spec.js';
import { middleware, type Middleware } from './slo/middleware.js';
import type { TrackedRequest } from './slo/requestCounts.js';
import { enforceBudget, type BudgetEnforcement } from './slo/budgetGuard.js';
import { servicesNamed } from './slo/servicesNamed.js';
import { serviceStatus, type ServiceStatus } from './slo/status.js';
import { declareDowntime, type DeclaredDowntime } from './slo/declareDowntime.js';
import { downtimeLog, type DowntimeLog } from './slo/downtime.js';
import { parseRange, type DowntimeInput } from './slo/downtimeInput.js';
import { parseTime } from './slo/strictTime.js';
import { reportWeeks } from './slo/reportWeeks.js';
import { sloReport, type SloReport } from './slo/sloReport.js';
import { runDoctor } from './slo/doctor/run.js';
import type { DoctorOptions, DoctorReport } from './slo/doctor/finding.js';
import { setPaused } from './backfill/control.js';
import { runBackfill, type BackfillOptions, type BackfillResult } from './backfill/run.js';
import { loadConfig, resolveConfig, type ResolvedConfig } from './config/load.js';
import type { MidairConfig } from './config/define.js';
import { connect } from './db/connect.js';
import { connectOnFirstUse } from './db/connectOnFirstUse.js';
import type { Executor } from './db/executor.js';
import { MidairError } from './errors.js';
import { completeMigration, type CompleteOptions, type CompleteResult } from './lifecycle/complete.js';
import { compileRecord } from './lifecycle/compileRecord.js';
import { compileChecked } from './lifecycle/serverChecks.js';
import { askerOf, silentReporter, type Context, type Reporter } from './lifecycle/context.js';
import { migrateRows, type MigrateRowsOptions, type MigrateRowsResult } from './lifecycle/migrateRows.js';
import { rollbackMigration, type RollbackOptions, type RollbackResult } from './lifecycle/rollback.js';
import { startMigration, type StartResult } from './lifecycle/start.js';
import { latestSearchPath, readStatus, type StatusResult } from './lifecycle/status.js';
import { fromObject, resolveMigration, type LoadedMigration } from './migration/load.js';
import type { Plan } from './migration/plan.js';
import type { Migration } from './migration/types.js';
import { requireStageFor } from './stages/machine.js';
import type { Work } from './stages/stage.js';
import { identify, presentedToken } from './people/actor.js';
import { approvedOf, approveStep, listApprovals, type ApprovalsResult, type ApproveResult } from './people/approve.js';
import { authorize, unverifiedRefusal } from './people/authority.js';
import { migrationTarget, type MigrationTarget } from './people/migrationTarget.js';
import { issueToken, revokeToken, type LoginResult, type RevokeResult } from './people/login.js';
import { peopleOf } from './people/migrationPeople.js';
import { installControlSchema } from './state/install.js';
import { withOperatorLock } from './state/operatorLock.js';
import { activeMigrations, type Killed, type MigrationRecord, type Stage } from './state/store.js';
import { activeTarget } from './stages/target.js';
import { runVerify, type VerifyOptions, type VerifyResult } from './verify/run.js';
import { advanceMigration, type AdvanceOptions, type AdvanceResult } from './lifecycle/advance.js';
import { changeCanary, listCanary, type CanaryChangeResult, type CanaryListResult } from './lifecycle/canary.js';
import { killMigration, type KillResult } from './lifecycle/kill.js';
import { readMismatches, type MismatchesResult } from './lifecycle/mismatches.js';
import { rampMigration, type RampResult } from './lifecycle/ramp.js';
import type { Force } from './stages/machine.js';
import type { Override } from './people/schedule/guard.js';
import { scheduleDays } from './people/schedule/scheduleDays.js';
import { scheduleReport, type ScheduleReport } from './people/schedule/scheduleReport.js';
import { teamReport, type TeamReport } from './people/teamReport.js';
import { requireTeam } from './people/requireTeam.js';
import { nextMoves, type MoveReport } from './stages/nextMoves.js';
import { enforceGuards, type GuardBreach } from './stages/guards.js';
import { readRehearsals, recordRehearsal, type RehearsalRecord } from './rehearse/record.js';
import { buildPlaybook, type Playbook } from './people/playbook/build.js';
import { startRisk } from './people/schedule/startRisk.js';
import { acknowledge, advanced, alertOfError, budgetFired, DEFAULT_CLOSE_WAIT_MS, escalateDue, guardFired, killed, pageTest, PagingInFlight, stageChanged, tell, type AckResult, type Alert, type Delivery, type Escalation, type PagingOptions } from './people/paging/index.js';

export interface CreateMidairOptions extends MidairConfig, ApplicationOptions {
  /**
   * Resolved settings (the CLI passes these). Otherwise, with `service`, settings are resolved as
   * the CLI resolves them (midair.config.ts in cwd, DATABASE_URL, else the embedded database) with
   * the fields above winning; without it, from the fields above and cwd.
   */
  resolved?: ResolvedConfig;
  /** An open database handle to use instead of connecting. */
  executor?: Executor;
  reporter?: Reporter;
  applicationName?: string;
  /** The clock the people rules judge by (freeze windows, working hours, approvals); tests inject a fixed one. */
  now?: () => Date;
  /** How notifications are sent (team.paging): retry backoff, how long verbs and close() wait for them. */
  pager?: PagingOptions;
}

/** A migration given as an object, a file path, or a name in the migrations folder. */
export type MigrationRef = Migration | string;

/** The library's entry point: one handle on one database's migrations. */
export class Midair {
  private installed = false;
  private application: ApplicationClient | null = null;
  /** Requests that cannot be counted are said once, not on every request. */
  private trackFailed = false;
  /** Notifications still sending after their verb returned: close() waits for them, with a cap. */
  private readonly paging = new PagingInFlight();

  constructor(
    readonly db: Executor,
    readonly config: ResolvedConfig,
    private readonly reporter: Reporter,
    /** Opens the application side; createMidair gives it for a `service`, and loads its code only then. */
    private readonly openApplication: () => ApplicationClient = needsService,
    private readonly now: () => Date = () => new Date(),
    private readonly pager: PagingOptions = {},
    /** Where track() and middleware() say that requests are not counted: the application's logger, not the reporter. */
    private readonly logger: ClientLogger = consoleLogger,
  ) {}

  /**
   * The application's handle on one migration: reads and writes routed by its stage, ramp, canary
   * sets and kill switch, with shadow comparisons and evidence (docs/client.md). Needs `service`.
   */
  migration<Input, Value = unknown, Written = unknown>(name: string, spec: MigrationSpec<Input, Value, Written>): MigrationClient<Input, Value, Written> {
    this.application ??= this.openApplication();
    return this.application.migration(name, spec);
  }

  /**
   * Counts one request of the service (createMidair({ service })) for its built-in SLI (docs/slo.md):
   * in memory, flushed in the background. Never throws into the application and never blocks it;
   * a request it cannot count (no service) is said once to the logger.
   */
  track(request: TrackedRequest): void {
    try {
      this.application ??= this.openApplication();
      this.application.track(request);
    } catch (error) {
      this.cannotCount(error);
    }
  }

  /**
   * A middleware that tracks every request (docs/slo.md): `app.use(midair.middleware())` in Express,
   * Connect, Hono and Koa, `fastify.addHook('onRequest', midair.middleware())`, or `track(req, res)` in a
   * node:http handler. Never throws into the application and never blocks a request.
   */
  middleware(): Middleware {
    return middleware({ track: (request) => this.track(request), cannotCount: (error) => this.cannotCount(error) });
  }

  private cannotCount(error: unknown): void {
    if (this.trackFailed) return;
    this.trackFailed = true;
    const hint = error instanceof MidairError && error.hint ? ` (${error.hint})` : '';
    this.logger.warn(`midair: requests are not counted for the SLI: ${(error as Error).message}${hint}`);
  }

  /** Writes the application client's evidence now, comparisons under way included (it is written every second anyway). */
  async flushEvidence(): Promise<void> {
    await this.application?.flush();
  }

  private async context(): Promise<Context> {
    await this.ensureInstalled();
    // With a team, a token (MIDAIR_TOKEN, else the one `midair login` saved for this database) names the person first.
    // Asked again on every call (one query), so a token revoked meanwhile stops working in a long-lived process.
    const actor = await identify(this.db, this.config.team, this.config.team ? presentedToken(this.db.description) : null);
    return { db: this.db, settings: this.config, report: this.reporter, actor, now: this.now };
  }

  private async ensureInstalled(): Promise<void> {
    if (!this.installed) {
      await installControlSchema(this.db);
      this.installed = true;
    }
  }

  async load(ref: MigrationRef): Promise<LoadedMigration> {
    return typeof ref === 'string' ? resolveMigration(ref, this.config.migrationsDir) : fromObject(ref);
  }

  /** Whose migration `ref` is, for the people rules: the active one of that name (its recorded definition), else the file. */
  private async target(ctx: Context, ref: MigrationRef): Promise<MigrationTarget> {
    return migrationTarget(ctx, typeof ref === 'string' ? ref : ref.name, () => this.load(ref));
  }

  /** The migration named, or the only active one, if its stage allows the work. */
  private async active(ctx: Context, work: Work, name?: string): Promise<MigrationRecord> {
    const record = await activeTarget(ctx.db, ctx.settings.schema, name);
    requireStageFor(work, record);
    return record;
  }

  /** Creates or upgrades the control schema. */
  async init(): Promise<{ from: number; to: number }> {
    const result = await installControlSchema(this.db);
    this.installed = true;
    return result;
  }

  /** What a migration will do: against the stored state if it is active, else the live catalog. */
  async plan(ref: MigrationRef): Promise<Plan> {
    return (await this.planned(ref)).plan;
  }

  /**
   * The plan and what it will cost: rows, backfill time, WAL, table growth, how long each lock is
   * held; from the tables' statistics and, unless `sample: false`, a quick sample of the server's
   * speed on a copy of a few rows, rolled back (docs/cli.md, "Reading the estimate").
   */
  async estimate(ref: MigrationRef, options: { sample?: boolean } = {}): Promise<{ plan: Plan; estimate: PlanEstimate }> {
    const { plan, catalog } = await this.planned(ref);
    const { batchSize, targetBatchMs } = this.config;
    return { plan, estimate: await estimatePlan(this.db, plan, catalog.tables, { sample: options.sample, batchSize, targetBatchMs }) };
  }

  private async planned(ref: MigrationRef): Promise<{ plan: Plan; catalog: Catalog }> {
    const loaded = await this.load(ref);
    const ctx = await this.context();
    // With a team, a migration without a primary and a secondary owner is refused before anything else.
    if (ctx.settings.team) peopleOf(ctx.settings.team, loaded.migration);
    const active = (await activeMigrations(ctx.db, ctx.settings.schema)).find((m) => m.name === loaded.migration.name);
    if (active) return { plan: compileRecord(active), catalog: active.catalog };
    return compileChecked(ctx, loaded, await readCatalog(this.db, this.config.schema));
  }

  /**
   * A start on a table above team.risk.startRows (default 1,000,000 rows) is risky: with a team it passes the
   * schedule guard (or the rollback authority's `override: { reason }`), with services the budget gate (or `force: { reason }`).
   */
  async start(ref: MigrationRef, options: { override?: Override; force?: Force } = {}): Promise<StartResult> {
    const loaded = await this.load(ref);
    return this.paged('start', loaded.migration.name, async (ctx) => {
      await authorize(ctx, 'start', loaded.migration, options);
      return startMigration(ctx, loaded, options);
    }, (r, by) => (r.resumed ? null : stageChanged(r.migration, null, r.stage, 'start', by)), { definition: loaded.migration });
  }

  /**
   * Backfills `options.migration` (default: the only active one). Several processes may backfill
   * one migration at once: they share the work through leases.
   */
  async backfill(options: BackfillOptions & { migration?: string } = {}): Promise<BackfillResult> {
    const { migration, ...rest } = options;
    return this.paged('backfill', migration, async (ctx) => {
      const named = migration ?? (await this.active(ctx, 'backfill')).name;
      await authorize(ctx, 'backfill', named);
      return withOperatorLock(ctx.db, 'backfill', named, async () => {
        const record = await this.active(ctx, 'backfill', named);
        return runBackfill(ctx, record, compileRecord(record), rest, (enforced) => tell(this.teller(ctx), () => budgetFired(enforced)));
      }, 'shared');
    });
  }

  /** Pauses or resumes every backfill worker of a migration (default: the only active one), in any process. */
  async setBackfillPaused(paused: boolean, name?: string): Promise<void> {
    const ctx = await this.context();
    const record = await this.active(ctx, 'pause or resume backfill', name);
    await authorize(ctx, 'pause or resume the backfill of', record.name);
    await setPaused(ctx.db, record, paused, ctx.actor);
  }

  /** Verifies a migration (default: the only active one), with `options.workers` connections (see VerifyOptions). */
  async verify(name?: string, options: VerifyOptions = {}): Promise<VerifyResult> {
    return this.paged('verify', name, async (ctx) => {
      const record = await this.active(ctx, 'verify', name);
      await authorize(ctx, 'verify', record.name);
      return runVerify(ctx, record, compileRecord(record), options);
    });
  }

  /**
   * Moves the rows named (by `keys` of a one-column key, or a `where` condition) of a migration
   * (default: the only active one) to the new shape now, e.g. a canary set of a lazy migration.
   */
  async migrateRows(options: MigrateRowsOptions & { migration?: string }): Promise<MigrateRowsResult> {
    const { migration, ...rest } = options;
    return this.paged('migrate-rows', migration, async (ctx) => {
      await authorize(ctx, 'migrate rows of', migration);
      return migrateRows(ctx, migration, rest);
    });
  }

  /** Refuses without a clean, current verification or when the tables drifted, unless `force: { reason }`. */
  async complete(name?: string, options: CompleteOptions = {}): Promise<CompleteResult> {
    return this.paged('complete', name, async (ctx) => {
      await authorize(ctx, 'complete', name, options);
      return completeMigration(ctx, name, options);
    }, (r, by) => stageChanged(r.migration, null, r.stage, 'complete', by));
  }

  /** Refuses when the tables drifted since start, unless `force: { reason }`. */
  async rollback(name?: string, options: RollbackOptions = {}): Promise<RollbackResult> {
    return this.paged('rollback', name, async (ctx) => {
      await authorize(ctx, 'roll back', name);
      return rollbackMigration(ctx, name, options);
    }, (r, by) => stageChanged(r.migration, null, r.stage, 'rollback', by));
  }

  // Operator verbs of moving traffic (docs/traffic.md): stages, ramp, kill switch, canary sets, gates, guards.

  /**
   * Moves a migration forward (shadow, live, rampdown, complete) through the move's gates; to the
   * stage it is in, resumes it after the kill switch. `percent` is the ramp of a move to live.
   */
  async advance(name: string, stage: string, options: AdvanceOptions = {}): Promise<AdvanceResult> {
    return this.paged('advance', name, async (ctx) => {
      await authorize(ctx, stage === 'complete' ? 'complete' : 'advance', name, options);
      return advanceMigration(ctx, name, stage, options);
    }, advanced);
  }

  /** Sets a live migration's ramp percentage; a step up passes the ramp gates, a step down always goes. */
  async ramp(name: string, percent: number | string, options: { force?: Force; override?: Override } = {}): Promise<RampResult> {
    return this.paged('ramp', name, async (ctx) => {
      await authorize(ctx, 'ramp', name, options);
      return rampMigration(ctx, name, percent, options);
    });
  }

  /** The kill switch: every record of every instance back to the old shape until `advance`. */
  async kill(name: string, options: { reason: string }): Promise<KillResult> {
    return this.paged('kill', name, async (ctx) => {
      await authorize(ctx, 'pull the kill switch of', name);
      return killMigration(ctx, name, options);
    }, killed);
  }

  async canaryAdd(name: string, keys: readonly string[], options: { set?: string } = {}): Promise<CanaryChangeResult> {
    const ctx = await this.context();
    await authorize(ctx, 'change the canary sets of', name);
    return changeCanary(ctx, name, 'add', keys, options.set);
  }

  async canaryRemove(name: string, keys: readonly string[], options: { set?: string } = {}): Promise<CanaryChangeResult> {
    const ctx = await this.context();
    await authorize(ctx, 'change the canary sets of', name);
    return changeCanary(ctx, name, 'remove', keys, options.set);
  }

  async canaryList(name: string, options: { set?: string } = {}): Promise<CanaryListResult> {
    return listCanary(await this.context(), name, options.set);
  }

  /** Every gate of the migration's next moves, passing or not, with its numbers. */
  async gates(name: string): Promise<{ migration: string; stage: Stage; rampPercent: number; killed: Killed | null; moves: MoveReport[] }> {
    const ctx = await this.context();
    const record = await activeTarget(ctx.db, ctx.settings.schema, name);
    const moves = await nextMoves(ctx.db, record, compileRecord(record), ctx.settings.traffic, askerOf(ctx));
    return { migration: record.name, stage: record.stage, rampPercent: record.rampPercent, killed: record.killed, moves };
  }

  async mismatches(name: string, options: { limit?: number } = {}): Promise<MismatchesResult> {
    const ctx = await this.context();
    return readMismatches(ctx.db, name, options.limit);
  }

  /** Judges a live migration's guards over the last window; a breach pulls the kill switch (once, whoever calls). */
  async enforceGuards(name: string): Promise<GuardBreach | null> {
    const ctx = await this.context();
    const record = await activeTarget(ctx.db, ctx.settings.schema, name);
    const breach = await enforceGuards(ctx.db, record.id, ctx.settings.traffic);
    if (breach?.pulled) await tell(this.teller(ctx), () => guardFired(breach));
    return breach;
  }

  /**
   * The budget guard, for an operator or a cron (docs/slo.md): for the migration named, else every active
   * one, a fast burn of its service pauses its backfill in progress and pulls a live migration's kill
   * switch, and pages its people. Instances of the service and backfills judge it by themselves too.
   */
  async enforceBudget(name?: string): Promise<BudgetEnforcement[]> {
    const ctx = await this.context();
    const records = name === undefined ? await activeMigrations(ctx.db, ctx.settings.schema) : [await activeTarget(ctx.db, ctx.settings.schema, name)];
    const enforced: BudgetEnforcement[] = [];
    for (const record of records) {
      const done = await enforceBudget(ctx.db, ctx.settings, record, ctx.now());
      if (!done) continue;
      enforced.push(done);
      if (done.paused || done.pulled) await tell(this.teller(ctx), () => budgetFired(done));
    }
    return enforced;
  }

  // Paging and escalation (docs/people.md): team.paging's channels hear what happens to a migration.

  /** Acknowledges the open pages of a migration, as the verified person acting: escalation stops. */
  async ack(name: string): Promise<AckResult> {
    const ctx = await this.context();
    const team = this.pagingTeam(ctx);
    if (!ctx.actor.person) throw unverifiedRefusal(ctx.actor, 'acknowledge pages');
    return acknowledge(ctx.db, ctx.actor, team, name, ctx.now(), this.pager);
  }

  /** Pages the next owner of every page not acknowledged in time (what `midair pager` runs). */
  async escalate(): Promise<Escalation[]> {
    const ctx = await this.context();
    return escalateDue(ctx.db, this.pagingTeam(ctx), ctx.now(), { ...this.pager, actor: ctx.actor });
  }

  /** A test notification through every channel of team.paging, each channel's result. */
  async pageTest(): Promise<Delivery[]> {
    const ctx = await this.context();
    return pageTest(ctx.db, ctx.actor, this.pagingTeam(ctx).paging, ctx.now(), this.pager);
  }

  private pagingTeam(ctx: Context) {
    const team = ctx.settings.team;
    if (!team?.paging) throw new MidairError('no team.paging in the config: there is nothing to send through', 'configure team.paging.channels in midair.config.ts (docs/people.md, "Paging and escalation")');
    return { ...team, paging: team.paging };
  }

  private teller(ctx: Context) {
    return { db: ctx.db, actor: ctx.actor, team: ctx.settings.team, now: ctx.now, options: this.pager, inFlight: this.paging, warn: (m: string) => ctx.report.warn(m) };
  }

  /**
   * Runs a life-cycle verb, then tells the migration's people what came of it: the stage change it
   * made, or its failure, or the approval it waits for; and pages whoever is due. Notifications go
   * out after the verb committed and never change its outcome; the verb waits for them at most
   * pager.waitMs, close() for the rest.
   */
  private async paged<T>(
    verb: string,
    name: string | undefined,
    run: (ctx: Context) => Promise<T>,
    changed?: (result: T, by: string) => Alert | null,
    how: { definition?: Migration } = {},
  ): Promise<T> {
    const ctx = await this.context();
    let result: T;
    try {
      result = await run(ctx);
    } catch (error) {
      await tell(this.teller(ctx), async () => alertOfError(verb, name ?? (await this.onlyActive(ctx)), error), how.definition);
      throw error;
    }
    await tell(this.teller(ctx), () => changed?.(result, ctx.actor.label) ?? null, how.definition);
    return result;
  }

  /** The one active migration a verb without a name worked on, if there is one. */
  private async onlyActive(ctx: Context): Promise<string | null> {
    const active = await activeMigrations(ctx.db, ctx.settings.schema);
    return active.length === 1 ? active[0]!.name : null;
  }

  async status(): Promise<StatusResult> {
    const ctx = await this.context();
    return readStatus(ctx.db, ctx.settings.schema, ctx.settings.traffic);
  }

  /** What moves an active migration on from where it is now (`next:` of status), or null when it is over. */
  async nextStep(name: string): Promise<string | null> {
    return (await this.status()).active.find((a) => a.name === name)?.next ?? null;
  }

  /** The search_path new-release clients set: the active migrations' version schemas, then the base schema. */
  async latestSearchPath(): Promise<string> {
    const ctx = await this.context();
    return latestSearchPath(ctx.db, ctx.settings.schema);
  }

  /**
   * The runbook of a migration (docs/people.md, "The playbook"): its steps with command, lock,
   * expected duration, gates, what to watch and rollback, from the plan, the team and the last
   * rehearsal recorded here; render it with renderPlaybook.
   */
  async playbook(ref: MigrationRef): Promise<Playbook> {
    const ctx = await this.context();
    // An active migration's people come from the definition it was started with, as for every people rule.
    const { migration, checksum } = await this.target(ctx, ref);
    const { plan, catalog } = await this.planned(migration);
    const rehearsals = await readRehearsals(ctx.db, migration.name);
    const team = this.config.team;
    const risk = team ? await startRisk(ctx.db, team, migration, catalog) : null;
    return buildPlaybook({ migration, checksum, plan, team, rehearsals, startRisk: risk });
  }

  /** Keeps a rehearsal that took place (who attended, how long each stage took) for the playbook. */
  async recordRehearsal(record: RehearsalRecord): Promise<void> {
    const ctx = await this.context();
    // The playbook judges people by the attendance kept here: with a team, only a verified person keeps it.
    if (ctx.settings.team && !ctx.actor.person) throw unverifiedRefusal(ctx.actor, 'record a rehearsal');
    await recordRehearsal(ctx.db, ctx.actor, record);
  }

  // The people in charge (docs/people.md); these need a team.

  /** Approves one step of a migration (active, else its file) at its current definition and stage, as the verified person acting. */
  async approve(ref: MigrationRef, step: string, options: { comment?: string } = {}): Promise<ApproveResult> {
    requireTeam(this.config.team, 'approve');
    const ctx = await this.context();
    return approveStep(ctx, approvedOf(await this.target(ctx, ref)), step, options.comment?.trim() || null);
  }

  /** The steps of a migration that need approval and every approval given, each saying whether it still holds. */
  async approvals(ref: MigrationRef): Promise<ApprovalsResult> {
    requireTeam(this.config.team, 'approvals');
    const ctx = await this.context();
    return listApprovals(ctx, approvedOf(await this.target(ctx, ref)));
  }

  /**
   * Issues a personal token for `person` (default: the one this session's role maps to); only its
   * hash is stored. Judged by the session's role alone, so a wrong saved token does not stand in the way.
   */
  async login(options: { person?: string } = {}): Promise<LoginResult> {
    await this.ensureInstalled();
    return issueToken(this.db, requireTeam(this.config.team, 'login'), this.now(), options.person);
  }

  /** Revokes one token (its id) or every token of a person. */
  async revokeTokens(what: string): Promise<RevokeResult> {
    const team = requireTeam(this.config.team, 'login --revoke');
    const ctx = await this.context();
    return revokeToken(ctx.db, team, ctx.actor, what, ctx.now());
  }

  /**
   * The next windows within `days` (default 14) in which everyone a migration needs (primary, secondary,
   * rollback authority) is at work and nothing freezes: quietest first when traffic was measured.
   */
  async schedule(ref: MigrationRef, options: { days?: number } = {}): Promise<ScheduleReport> {
    const team = requireTeam(this.config.team, 'schedule');
    const days = scheduleDays(options.days);
    const ctx = await this.context();
    const { migration } = await this.target(ctx, ref);
    return scheduleReport(ctx.db, team, migration, this.now(), days);
  }

  /** Each person of the team now (local time, available or not and why, next day off) and the tools with their backups. */
  team(): TeamReport {
    return teamReport(requireTeam(this.config.team, 'team'), this.now());
  }

  // Budgets (docs/slo.md): each service's SLO, error budget and burn rates.

  /** Each service's SLO state now (or the one named): SLI, budget used and left, burn rates, fast-burn alerts. */
  async slo(options: { service?: string } = {}): Promise<ServiceStatus[]> {
    const ctx = await this.context();
    const statuses: ServiceStatus[] = [];
    for (const [name, service] of servicesNamed(this.config.services, options.service)) statuses.push(await serviceStatus(ctx.db, name, service, ctx.now()));
    return statuses;
  }

  /** Declares a planned window of a service: its breach minutes count as planned downtime (with a team, a verified person only). */
  async planDowntime(input: DowntimeInput): Promise<DeclaredDowntime> {
    return declareDowntime(await this.context(), 'planned', input);
  }

  /** Declares an incident by hand: its minutes count as unplanned downtime, whatever the SLI saw. */
  async declareIncident(input: DowntimeInput): Promise<DeclaredDowntime> {
    return declareDowntime(await this.context(), 'incident', input);
  }

  /** The downtime log from `from` (default: 7 days before `to`) to `to` (default: now): declared windows and each service's breach minutes. */
  async downtime(options: { service?: string; from?: string | Date; to?: string | Date } = {}): Promise<DowntimeLog> {
    const ctx = await this.context();
    const services = servicesNamed(this.config.services, options.service);
    const to = parseTime('to', options.to ?? ctx.now());
    const range = parseRange(options.from ?? new Date(to.getTime() - 7 * 86_400_000), to);
    return downtimeLog(ctx.db, services, range.from, range.to);
  }

  /** Per service and ISO week (the last `weeks`, default 8): availability, budget used, planned and unplanned downtime, the migrations that ran. */
  async sloReport(options: { service?: string; weeks?: number } = {}): Promise<SloReport> {
    const weeks = reportWeeks(options.weeks);
    const ctx = await this.context();
    return sloReport(ctx.db, this.config, servicesNamed(this.config.services, options.service), weeks, ctx.now());
  }

  /**
   * What stands between this database and no-downtime changes (docs/doctor.md): each finding with
   * its severity, evidence and fix, and which checks ran or were skipped and why.
   */
  async doctor(options: DoctorOptions = {}): Promise<DoctorReport> {
    // Read-only, unlike the other verbs: it runs against production with a role that may only read, so it neither
    // installs nor upgrades the control schema; the checks that read it say when it is missing.
    // One connection for every check: it is the doctor's own session, which the session checks leave out.
    return this.db.session((session) => runDoctor({ db: session, server: this.db.kind === 'postgres', settings: this.config, now: this.now() }, options));
  }

  /**
   * Waits for the notifications still sending (at most pager.closeWaitMs, then abandons them,
   * saying so), flushes the application client's last evidence, then closes every connection.
   */
  async close(): Promise<void> {
    await this.paging.close(this.pager.closeWaitMs ?? DEFAULT_CLOSE_WAIT_MS, (m) => this.reporter.warn(m));
    await this.application?.close();
    await this.db.close();
  }
}

const consoleLogger: ClientLogger = { warn: (message) => console.warn(message) };

function needsService(): never {
  throw new MidairError('this handle needs the name of the service it is an instance of, for midair.migration() and midair.track()', 'pass it when you create the handle: createMidair({ service: "accounts-api" })');
}

/** Settings as the CLI resolves them from cwd, with the options given explicitly winning. */
async function resolveAsTheCli(config: MidairConfig): Promise<ResolvedConfig> {
  const fromCli = await loadConfig({ database: config.database });
  const explicit = resolveConfig(config, { baseDir: process.cwd(), env: {} });
  return {
    ...fromCli,
    ...(config.migrationsDir !== undefined && { migrationsDir: explicit.migrationsDir }),
    ...(config.schema !== undefined && { schema: explicit.schema }),
    ...(config.lockTimeoutMs !== undefined && { lockTimeoutMs: explicit.lockTimeoutMs }),
    ...(config.lockRetries !== undefined && { lockRetries: explicit.lockRetries }),
    ...(config.embeddedDir !== undefined && { embeddedDir: explicit.embeddedDir }),
    ...(config.backfill?.batchSize !== undefined && { batchSize: explicit.batchSize }),
    ...(config.backfill?.targetBatchMs !== undefined && { targetBatchMs: explicit.targetBatchMs }),
    traffic: { ...fromCli.traffic, ...config.traffic },
    ...(config.services !== undefined && { services: explicit.services }),
    ...(config.slo !== undefined && { slo: explicit.slo }),
    ...(config.credentials !== undefined && { credentials: explicit.credentials }),
  };
}

/** An application's handle on a server opens Midair's operator connections only if it runs operator commands. */
async function openOnFirstUse(url: string, open: () => Promise<Executor>): Promise<Executor> {
  const { describeUrl } = await import('./db/postgres.js');
  return connectOnFirstUse('postgres', describeUrl(url), open);
}

export async function createMidair(options: CreateMidairOptions = {}): Promise<Midair> {
  const { resolved, executor, reporter, applicationName, now, pager, service, instanceId, logger, poolSize, listenUrl, flushIntervalMs, pollIntervals, afterFlush, ...config } = options;
  const application: ApplicationOptions = { instanceId, logger, poolSize, listenUrl, flushIntervalMs, pollIntervals, afterFlush };
  const settings = resolved ?? (service ? await resolveAsTheCli(config) : resolveConfig(config, { baseDir: process.cwd() }));
  const open = () => connect({ database: settings.database, embeddedDir: settings.embeddedDir, applicationName });
  if (!service) return new Midair(executor ?? (await open()), settings, reporter ?? silentReporter, needsService, now, pager, logger);
  const db = executor ?? (settings.database ? await openOnFirstUse(settings.database, open) : await open());
  // The application side (routing, evidence, a pool of its own) is code only a service loads.
  const { ApplicationClient } = await import('./client/applicationClient.js');
  return new Midair(db, settings, reporter ?? silentReporter, () => ApplicationClient.open(settings, db, { ...application, service }), now, pager, logger);
}
