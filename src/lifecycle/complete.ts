import { dropVersionSchema } from '../migration/versionSchema.js';
import { MidairError } from '../errors.js';
import { unsyncedRows } from '../backfill/run.js';
import { activeMigration, lastCompleted, latestByName, setStage, type MigrationRecord } from '../state/store.js';
import { withOperatorLock } from '../state/operatorLock.js';
import type { Context } from './context.js';
import { compileRecord } from './compileRecord.js';
import { refreshTriggerFunctions, warnStale } from './refreshTriggerFunctions.js';
import { runOnline, runTransaction } from './runSteps.js';

export interface CompleteResult {
  migration: string;
  stage: 'complete';
  versionSchema: string;
  droppedVersionSchema: string | null;
}

async function target(ctx: Context, name: string | undefined): Promise<MigrationRecord> {
  const active = await activeMigration(ctx.db, ctx.settings.schema);
  if (name && active?.name !== name) {
    const record = await latestByName(ctx.db, name);
    if (record?.stage === 'complete') return record;
    throw new MidairError(`migration "${name}" is not active${active ? ` ("${active.name}" is)` : ''}`, 'see `midair status`');
  }
  if (!active) {
    const last = await lastCompleted(ctx.db, ctx.settings.schema);
    throw new MidairError(
      `no migration is active in schema "${ctx.settings.schema}"`,
      last ? `the last one, "${last.name}", is complete; if a crash interrupted its complete, run \`midair complete ${last.name}\` to finish it` : 'start one with `midair start <migration>`',
    );
  }
  return active;
}

/**
 * Contract: validate the new constraints online, then in one short transaction drop the sync
 * triggers, the previous version schema and the old representation, and give the new columns
 * their final names. The version schema stays, so new-release clients keep their search_path.
 */
export async function completeMigration(ctx: Context, name?: string): Promise<CompleteResult> {
  const { db, settings } = ctx;
  return withOperatorLock(db, 'complete', async () => {
    const record = await target(ctx, name);
    const plan = compileRecord(record);
    if (record.stage === 'complete') {
      // A re-run after a crash between contract and its follow-up validation finishes that.
      await runOnline(db, plan.contractOnline, settings, 'complete (validation)', settings.schema);
      return { migration: record.name, stage: 'complete', versionSchema: record.versionSchema, droppedVersionSchema: null };
    }
    if (record.stage !== 'expanded') throw new MidairError(`migration "${record.name}" is ${record.stage}, not expanded`, record.stage === 'expanding' ? 'run `midair start` again to finish expanding' : 'run `midair rollback` to finish rolling back');
    const unsynced = await unsyncedRows(db, plan);
    if (unsynced > 0) throw new MidairError(`${unsynced} rows are not backfilled yet; completing now would lose their new values`, 'run `midair backfill`, then `midair verify`, then complete');
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
    const steps = [...(dropPrevious ? dropVersionSchema(dropPrevious.versionSchema, compileRecord(dropPrevious).views) : []), ...plan.contract];
    ctx.report.step(`contracting: ${steps.length} catalog-only statements in one transaction`);
    // The changed tables by their final names: the user's trigger functions on them are recompiled.
    const changed = plan.views.filter((v) => plan.sync.some((s) => s.table === v.physical)).map((v) => v.name);
    let stale: string[] = [];
    await runTransaction(db, steps, settings, 'complete', async (tx) => {
      stale = await refreshTriggerFunctions(tx, settings.schema, changed);
      await setStage(tx, record, 'complete', 'complete', { droppedVersionSchema: dropPrevious?.versionSchema ?? null });
    });
    warnStale(ctx, stale);
    await runOnline(db, plan.contractOnline, settings, 'complete (validation)', settings.schema);
    return { migration: record.name, stage: 'complete', versionSchema: record.versionSchema, droppedVersionSchema: dropPrevious?.versionSchema ?? null };
  });
}
