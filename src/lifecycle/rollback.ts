import { qualified } from '../db/sql.js';
import { advance, describeForced, gate, move, type Force } from '../stages/machine.js';
import { activeTarget } from '../stages/target.js';
import { latestByName } from '../state/store.js';
import { withOperatorLock } from '../state/operatorLock.js';
import { stepsWithoutUndo } from '../migration/withoutUndo.js';
import { askerOf, type Context } from './context.js';
import { compileRecord } from './compileRecord.js';
import { refreshTriggerFunctions, warnStale } from './refreshTriggerFunctions.js';
import { runOnline, runTransaction } from './runSteps.js';

export interface RollbackOptions {
  /** Roll back although the tables changed since start; the reason goes to the audit log. */
  force?: Force;
}

export interface RollbackResult {
  migration: string;
  stage: 'rolled_back';
  /** Rows in tables that the migration created, dropped with them (they had no old home). */
  droppedRows: Record<string, number>;
  /** Steps rollback could not undo and, forced, left in place (op.sql without down); absent when none. */
  leftInPlace?: string[];
}

/**
 * Undo: the version schema, triggers and everything expand added go; the old columns were kept in
 * sync all along (down), so no write made through either shape is lost.
 */
export async function rollbackMigration(ctx: Context, name?: string, options: RollbackOptions = {}): Promise<RollbackResult> {
  const { db, settings } = ctx;
  if (name && (await latestByName(db, name))?.stage === 'rolled_back') {
    // A re-run after a crash that came after the rollback had committed: it is done.
    return { migration: name, stage: 'rolled_back', droppedRows: {} };
  }
  const noneHint = 'a complete migration cannot be rolled back: write a new migration that reverses it';
  const named = name ?? (await activeTarget(db, settings.schema, name, noneHint)).name;
  return withOperatorLock(db, 'rollback', named, async () => {
    const record = await activeTarget(db, settings.schema, named, noneHint);
    const plan = compileRecord(record);
    // The drift check runs before anything changes; a resumed rollback (rolling_back) passed it.
    if (record.stage !== 'rolling_back') {
      const { forced } = await move(db, record, plan, 'rolling_back', { force: options.force, bounds: settings.traffic, asker: askerOf(ctx) });
      if (forced) ctx.report.warn(describeForced(forced));
    }
    const droppedRows: Record<string, number> = {};
    for (const o of record.definition.operations) {
      if (o.kind !== 'createTable') continue;
      const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(settings.schema, o.name)}`).catch(() => []);
      const n = Number(rows[0]?.n ?? 0);
      if (n > 0) {
        droppedRows[o.name] = n;
        ctx.report.warn(`table "${o.name}" was created by this migration and holds ${n} rows; they are dropped with it`);
      }
    }
    // Index drops, and the replica identity moved off an index this migration built before its drop.
    await runOnline(db, plan.rollbackOnline, settings, 'rollback (online steps)', settings.schema);
    ctx.report.step(`rolling back: ${plan.rollback.length} catalog-only statements in one transaction`);
    const passage = await gate(db, record, plan, 'rolled_back', { bounds: settings.traffic, asker: askerOf(ctx) });
    // Only a forced move to rolling_back gets here with steps it cannot undo (the undoable gate).
    const left = stepsWithoutUndo(record.definition);
    const leftInPlace = left.length ? { leftInPlace: left } : {};
    let stale: string[] = [];
    await runTransaction(db, plan.rollback, settings, 'rollback', async (tx) => {
      stale = await refreshTriggerFunctions(tx, settings.schema, plan.sync.map((s) => s.table));
      await advance(tx, record, passage, { droppedRows, ...leftInPlace });
    });
    warnStale(ctx, stale);
    return { migration: record.name, stage: 'rolled_back', droppedRows, ...leftInPlace };
  });
}
