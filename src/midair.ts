import { readCatalog } from './catalog/read.js';
import { setPaused } from './backfill/control.js';
import { runBackfill, type BackfillOptions, type BackfillResult } from './backfill/run.js';
import { resolveConfig, type ResolvedConfig } from './config/load.js';
import type { MidairConfig } from './config/define.js';
import { connect } from './db/connect.js';
import type { Executor } from './db/executor.js';
import { MidairError } from './errors.js';
import { completeMigration, type CompleteResult } from './lifecycle/complete.js';
import { compileRecord } from './lifecycle/compileRecord.js';
import { compileChecked } from './lifecycle/serverChecks.js';
import { silentReporter, type Context, type Reporter } from './lifecycle/context.js';
import { rollbackMigration, type RollbackResult } from './lifecycle/rollback.js';
import { startMigration, type StartResult } from './lifecycle/start.js';
import { latestSearchPath, readStatus, type StatusResult } from './lifecycle/status.js';
import { fromObject, resolveMigration, type LoadedMigration } from './migration/load.js';
import type { Plan } from './migration/plan.js';
import type { Migration } from './migration/types.js';
import { installControlSchema } from './state/install.js';
import { withOperatorLock } from './state/operatorLock.js';
import { activeMigration, type MigrationRecord } from './state/store.js';
import { runVerify, type VerifyResult } from './verify/run.js';

export interface CreateMidairOptions extends MidairConfig {
  /** Resolved settings (the CLI passes these); otherwise the fields above are resolved from cwd. */
  resolved?: ResolvedConfig;
  /** An open database handle to use instead of connecting. */
  executor?: Executor;
  reporter?: Reporter;
  applicationName?: string;
}

/** A migration given as an object, a file path, or a name in the migrations folder. */
export type MigrationRef = Migration | string;

/** The library's entry point: one handle on one database's migrations. */
export class Midair {
  private installed = false;

  constructor(
    readonly db: Executor,
    readonly config: ResolvedConfig,
    private readonly reporter: Reporter,
  ) {}

  private async context(): Promise<Context> {
    if (!this.installed) {
      await installControlSchema(this.db);
      this.installed = true;
    }
    return { db: this.db, settings: this.config, report: this.reporter };
  }

  async load(ref: MigrationRef): Promise<LoadedMigration> {
    return typeof ref === 'string' ? resolveMigration(ref, this.config.migrationsDir) : fromObject(ref);
  }

  private async active(ctx: Context): Promise<MigrationRecord> {
    const record = await activeMigration(ctx.db, ctx.settings.schema);
    if (!record) throw new MidairError(`no migration is active in schema "${ctx.settings.schema}"`, 'start one with `midair start <migration>`');
    if (record.stage !== 'expanded') throw new MidairError(`migration "${record.name}" is ${record.stage}`, record.stage === 'expanding' ? 'run `midair start` again to finish expanding' : 'run `midair rollback` to finish rolling back');
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
    const loaded = await this.load(ref);
    const ctx = await this.context();
    const active = await activeMigration(ctx.db, ctx.settings.schema);
    if (active?.name === loaded.migration.name) return compileRecord(active);
    return (await compileChecked(ctx, loaded, await readCatalog(this.db, this.config.schema))).plan;
  }

  async start(ref: MigrationRef): Promise<StartResult> {
    const loaded = await this.load(ref);
    return startMigration(await this.context(), loaded);
  }

  /** Several processes may backfill at once: they share the work through leases. */
  async backfill(options: BackfillOptions = {}): Promise<BackfillResult> {
    const ctx = await this.context();
    return withOperatorLock(ctx.db, 'backfill', async () => {
      const record = await this.active(ctx);
      return runBackfill(ctx, record, compileRecord(record), options);
    }, 'shared');
  }

  /** Pauses or resumes every backfill worker of the active migration, in any process. */
  async setBackfillPaused(paused: boolean): Promise<void> {
    const ctx = await this.context();
    const record = await this.active(ctx);
    await setPaused(ctx.db, record, paused);
  }

  async verify(): Promise<VerifyResult> {
    const ctx = await this.context();
    const record = await this.active(ctx);
    return runVerify(ctx, record, compileRecord(record));
  }

  async complete(name?: string): Promise<CompleteResult> {
    return completeMigration(await this.context(), name);
  }

  async rollback(name?: string): Promise<RollbackResult> {
    return rollbackMigration(await this.context(), name);
  }

  async status(): Promise<StatusResult> {
    const ctx = await this.context();
    return readStatus(ctx.db, ctx.settings.schema);
  }

  /** The schema new-release clients put in their search_path. */
  async latestSearchPath(): Promise<string> {
    const ctx = await this.context();
    return latestSearchPath(ctx.db, ctx.settings.schema);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

export async function createMidair(options: CreateMidairOptions = {}): Promise<Midair> {
  const { resolved, executor, reporter, applicationName, ...config } = options;
  const settings = resolved ?? resolveConfig(config, { baseDir: process.cwd() });
  const db = executor ?? (await connect({ database: settings.database, embeddedDir: settings.embeddedDir, applicationName }));
  return new Midair(db, settings, reporter ?? silentReporter);
}
