import { snapshotLazyProgress } from '../backfill/lazyProgress.js';
import { readCatalog } from '../catalog/read.js';
import { MidairRefusal } from '../errors.js';
import type { LoadedMigration } from '../migration/load.js';
import { requireApprovals } from '../people/approvals.js';
import { judgeSchedule, type Override } from '../people/schedule/guard.js';
import { startRisk } from '../people/schedule/startRisk.js';
import { judgeBudget } from '../stages/gates/budget.js';
import { describeForced, describeOverride, move, requireReason, type Force } from '../stages/machine.js';
import { NEXT_STEP } from '../stages/stage.js';
import { claimedTables } from '../migration/claims.js';
import { claimTables } from '../state/claims.js';
import { activeMigrations, insertMigration, latestByName } from '../state/store.js';
import { withOperatorLock } from '../state/operatorLock.js';
import { askerOf, type Context } from './context.js';
import { compileRecord } from './compileRecord.js';
import { compileChecked } from './serverChecks.js';
import { runOnline, runTransaction } from './runSteps.js';
import { latestSearchPath } from './status.js';

export interface StartResult {
  migration: string;
  stage: 'expanded';
  versionSchema: string;
  /** What new-release clients set now, as `midair latest` prints it. */
  searchPath: string;
  /** True when the migration had been started already (a re-run finishes or confirms it). */
  resumed: boolean;
  /** What --force overrode (the budget gate of a risky start), with its reason; null without --force. */
  forced: { reason: string; overridden: string[] } | null;
  warnings: string[];
}

/**
 * Expand: additive, catalog-only changes in one transaction, then online index builds. A start on a
 * large table is a risky step: the schedule guard (with a team) and the budget gate (with services)
 * judge it before anything changes.
 */
export async function startMigration(ctx: Context, loaded: LoadedMigration, options: { override?: Override; force?: Force } = {}): Promise<StartResult> {
  const { db, settings } = ctx;
  const m = loaded.migration;
  return withOperatorLock(db, 'start', m.name, async () => {
    const active = (await activeMigrations(db, settings.schema)).find((a) => a.name === m.name);
    if (active?.stage === 'rolling_back') throw new MidairRefusal('stage', `migration "${m.name}" is being rolled back`, NEXT_STEP.rolling_back);
    let record = active;
    let resumed = true;
    let forced: StartResult['forced'] = null;
    if (!record) {
      resumed = false;
      const previous = await latestByName(db, m.name);
      if (previous?.stage === 'complete') throw new MidairRefusal('stage', `migration "${m.name}" is complete already`, 'give the new change a new name');
      await requireApprovals(db, askerOf(ctx), { name: m.name, id: null, definition: m, checksum: loaded.checksum, stage: 'planned' }, 'start');
      const { plan, catalog } = await compileChecked(ctx, loaded, await readCatalog(db, settings.schema));
      const risk = await startRisk(db, settings.team, m, catalog);
      const override = risk ? judgeSchedule({ ...askerOf(ctx), override: options.override }, m, risk) : null;
      requireReason(options.force);
      const budget = risk ? (await judgeBudget(db, askerOf(ctx), m, risk)).refusal : null;
      if (budget && !options.force) throw budget;
      forced = options.force ? { reason: options.force.reason, overridden: budget ? [budget.message] : [] } : null;
      if (override) ctx.report.warn(describeOverride(override));
      if (forced) ctx.report.warn(describeForced(forced));
      ctx.report.step(`expanding: ${plan.expand.length} catalog-only statements in one transaction`);
      await runTransaction(db, plan.expand, settings, 'start', async (tx) => {
        const id = await insertMigration(tx, ctx.actor, { name: m.name, schema: settings.schema, versionSchema: plan.versionSchema, definition: m, catalog, checksum: loaded.checksum, file: loaded.file }, { ...(override ? { override } : {}), ...(forced ? { forced } : {}) });
        await claimTables(tx, settings.schema, { id, name: m.name }, claimedTables(m));
      });
      record = (await latestByName(db, m.name))!;
    } else if (record.checksum !== loaded.checksum) {
      ctx.report.warn(`the file of "${m.name}" changed since it was started; Midair goes on with the definition it started with`);
    }
    const plan = compileRecord(record);
    if (record.stage === 'expanding') {
      if (plan.expandOnline.length) ctx.report.step(`building ${plan.expandOnline.length} index(es) concurrently`);
      await runOnline(db, plan.expandOnline, settings, 'start (index builds)', settings.schema);
      await move(db, record, plan, 'expanded', { bounds: settings.traffic, asker: askerOf(ctx) });
      // A lazy migration's first progress snapshot: what its rows moved naturally is counted from here.
      if (record.definition.lazy) await snapshotLazyProgress(db, record, plan);
    }
    for (const w of plan.warnings) ctx.report.warn(w);
    return { migration: m.name, stage: 'expanded', versionSchema: record.versionSchema, searchPath: await latestSearchPath(db, settings.schema), resumed, forced, warnings: plan.warnings };
  });
}
