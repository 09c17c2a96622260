import { MidairError } from '../errors.js';
import { qualified } from '../db/sql.js';
import { activeMigration, latestByName, setStage } from '../state/store.js';
import { withOperatorLock } from '../state/operatorLock.js';
import type { Context } from './context.js';
import { compileRecord } from './compileRecord.js';
import { refreshTriggerFunctions, warnStale } from './refreshTriggerFunctions.js';
import { runOnline, runTransaction } from './runSteps.js';

export interface RollbackResult {
  migration: string;
  stage: 'rolled_back';
  /** Rows in tables that the migration created, dropped with them (they had no old home). */
  droppedRows: Record<string, number>;
}

/**
 * Undo: the version schema, triggers and everything expand added go; the old columns were kept in
 * sync all along (down), so no write made through either shape is lost.
 */
export async function rollbackMigration(ctx: Context, name?: string): Promise<RollbackResult> {
  const { db, settings } = ctx;
  return withOperatorLock(db, 'rollback', async () => {
    const record = await activeMigration(db, settings.schema);
    if (name && record?.name !== name && (await latestByName(db, name))?.stage === 'rolled_back') {
      // A re-run after a crash that came after the rollback had committed: it is done.
      return { migration: name, stage: 'rolled_back', droppedRows: {} };
    }
    if (!record || (name && record.name !== name)) {
      throw new MidairError(name ? `migration "${name}" is not active, so there is nothing to roll back` : `no migration is active in schema "${settings.schema}"`, 'a complete migration cannot be rolled back: write a new migration that reverses it');
    }
    const plan = compileRecord(record);
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
    if (record.stage !== 'rolling_back') await setStage(db, record, 'rolling_back', 'rollback');
    await runOnline(db, plan.rollbackOnline, settings, 'rollback (index drops)', settings.schema);
    ctx.report.step(`rolling back: ${plan.rollback.length} catalog-only statements in one transaction`);
    let stale: string[] = [];
    await runTransaction(db, plan.rollback, settings, 'rollback', async (tx) => {
      stale = await refreshTriggerFunctions(tx, settings.schema, plan.sync.map((s) => s.table));
      await setStage(tx, record, 'rolled_back', 'rolled back', { droppedRows });
    });
    warnStale(ctx, stale);
    return { migration: record.name, stage: 'rolled_back', droppedRows };
  });
}
