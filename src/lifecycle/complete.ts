import { dropVersionSchema } from '../migration/versionSchema.js';
import { MidairError } from '../errors.js';
import type { Override } from '../people/schedule/guard.js';
import { advance, describeForced, describeOverride, gate, type Force } from '../stages/machine.js';
import { activeTarget } from '../stages/target.js';
import { lastCompleted, latestByName, type MigrationRecord } from '../state/store.js';
import { withOperatorLock } from '../state/operatorLock.js';
import { askerOf, type Context } from './context.js';
import { compileRecord } from './compileRecord.js';
import { refreshTriggerFunctions, warnStale } from './refreshTriggerFunctions.js';
import { runOnline, runTransaction } from './runSteps.js';
import { latestSearchPath } from './status.js';

export interface CompleteOptions {
  /** Complete although verification or the drift check refuses; the reason goes to the audit log. */
  force?: Force;
  /** The rollback authority's override of the schedule guard, recorded in the audit log. */
  override?: Override;
}

export interface CompleteResult {
  migration: string;
  stage: 'complete';
  versionSchema: string;
  /** What new-release clients keep setting, as `midair latest` prints it. */
  searchPath: string;
  droppedVersionSchema: string | null;
}

/** The migration to complete: an active one, or a complete one named again (to finish a crashed complete). */
async function target(ctx: Context, name: string | undefined): Promise<MigrationRecord> {
  if (name) {
    const record = await latestByName(ctx.db, name);
    if (record?.stage === 'complete') return record;
  }
  const last = await lastCompleted(ctx.db, ctx.settings.schema);
  const noneHint = last ? `the last one, "${last.name}", is complete; if a crash interrupted its complete, run \`midair complete ${last.name}\` to finish it` : undefined;
  return activeTarget(ctx.db, ctx.settings.schema, name, noneHint);
}

/**
 * Contract: validate the new constraints online, then in one short transaction drop the sync
 * triggers, the previous version schema and the old representation, and give the new columns
 * their final names. The version schema stays, so new-release clients keep their search_path.
 */
export async function completeMigration(ctx: Context, name?: string, options: CompleteOptions = {}): Promise<CompleteResult> {
  const { db, settings } = ctx;
  // A named migration is locked before it is looked at; else the only active one is found first.
  const named = name ?? (await target(ctx, name)).name;
  return withOperatorLock(db, 'complete', named, async () => {
    const record = await target(ctx, named);
    const plan = compileRecord(record);
    if (record.stage === 'complete') {
      // A re-run after a crash between contract and its follow-up validation finishes that.
      await runOnline(db, plan.contractOnline, settings, 'complete (validation)', settings.schema);
      return { migration: record.name, stage: 'complete', versionSchema: record.versionSchema, searchPath: await latestSearchPath(db, settings.schema), droppedVersionSchema: null };
    }
    // Refused before anything runs, validation included.
    const passage = await gate(db, record, plan, 'complete', { force: options.force, bounds: settings.traffic, asker: { ...askerOf(ctx), override: options.override } });
    if (passage.forced) ctx.report.warn(describeForced(passage.forced));
    if (passage.override) ctx.report.warn(describeOverride(passage.override));
    if (plan.validate.length) ctx.report.step(`validating ${plan.validate.length} constraint(s) online`);
    try {
      await runOnline(db, plan.validate, settings, 'complete (validation)', settings.schema);
    } catch (error) {
      if (error instanceof MidairError && /violat/.test(error.message)) {
        throw new MidairError(`${error.message}`, 'existing rows break a new constraint: run `midair verify`, fix the data or "up", then complete again (or roll back)');
      }
      throw error;
    }
    const previous = await lastCompleted(db, settings.schema);
    const dropPrevious = previous && previous.versionSchema !== record.versionSchema ? previous : null;
    const steps = [...(dropPrevious ? dropVersionSchema(compileRecord(dropPrevious), dropPrevious.catalog.tables.map((t) => t.name)) : []), ...plan.contract];
    ctx.report.step(`contracting: ${steps.length} catalog-only statements in one transaction`);
    // The changed tables by their final names: the user's trigger functions on them are recompiled.
    const changed = plan.views.filter((v) => plan.sync.some((s) => s.table === v.physical)).map((v) => v.name);
    let stale: string[] = [];
    await runTransaction(db, steps, settings, 'complete', async (tx) => {
      stale = await refreshTriggerFunctions(tx, settings.schema, changed);
      await advance(tx, record, passage, { droppedVersionSchema: dropPrevious?.versionSchema ?? null });
    });
    warnStale(ctx, stale);
    await runOnline(db, plan.contractOnline, settings, 'complete (validation)', settings.schema);
    return { migration: record.name, stage: 'complete', versionSchema: record.versionSchema, searchPath: await latestSearchPath(db, settings.schema), droppedVersionSchema: dropPrevious?.versionSchema ?? null };
  });
}
