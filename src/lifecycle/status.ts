import type { Queryable } from '../db/executor.js';
import { activeMigration, history, lastCompleted, type Stage } from '../state/store.js';

export interface StatusResult {
  schema: string;
  active: null | {
    name: string;
    stage: Stage;
    startedAt: string;
    stageChangedAt: string;
    versionSchema: string;
    backfill: { table: string; rowsDone: number; rowsTotal: number; done: boolean; updatedAt: string }[];
    lastVerification: null | { at: string; rowsChecked: number; mismatches: number; unsynced: number };
  };
  /** What new-release clients put in their search_path now. */
  latestSearchPath: string;
  migrations: { name: string; stage: Stage; startedAt: string; endedAt: string | null }[];
}

export async function latestSearchPath(db: Queryable, schema: string): Promise<string> {
  const active = await activeMigration(db, schema);
  if (active && active.stage !== 'rolling_back') return active.versionSchema;
  return (await lastCompleted(db, schema))?.versionSchema ?? schema;
}

export async function readStatus(db: Queryable, schema: string): Promise<StatusResult> {
  const active = await activeMigration(db, schema);
  const all = await history(db, schema);
  let activeStatus: StatusResult['active'] = null;
  if (active) {
    const backfill = await db.query<{ table: string; rowsDone: string; rowsTotal: string; done: boolean; updatedAt: string }>(
      `SELECT table_name AS table, rows_done AS "rowsDone", rows_total AS "rowsTotal", done, updated_at::text AS "updatedAt"
         FROM midair.backfill_checkpoints WHERE migration_id = $1 ORDER BY table_name`,
      [active.id],
    );
    const [verification] = await db.query<{ at: string; rowsChecked: string; mismatches: string; unsynced: string }>(
      `SELECT at::text AS at, rows_checked AS "rowsChecked", mismatches, unsynced FROM midair.verifications
        WHERE migration_id = $1 ORDER BY id DESC LIMIT 1`,
      [active.id],
    );
    activeStatus = {
      name: active.name,
      stage: active.stage,
      startedAt: active.startedAt,
      stageChangedAt: active.stageChangedAt,
      versionSchema: active.versionSchema,
      backfill: backfill.map((b) => ({ ...b, rowsDone: Number(b.rowsDone), rowsTotal: Number(b.rowsTotal) })),
      lastVerification: verification
        ? { at: verification.at, rowsChecked: Number(verification.rowsChecked), mismatches: Number(verification.mismatches), unsynced: Number(verification.unsynced) }
        : null,
    };
  }
  return {
    schema,
    active: activeStatus,
    latestSearchPath: await latestSearchPath(db, schema),
    migrations: all.map((m) => ({ name: m.name, stage: m.stage, startedAt: m.startedAt, endedAt: m.endedAt })),
  };
}
