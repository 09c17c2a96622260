import { recordingMoves, snapshotLazyProgress } from '../backfill/lazyProgress.js';
import { backfillSet } from '../backfill/worker.js';
import type { Queryable } from '../db/executor.js';
import { ident, qualified } from '../db/sql.js';
import { MidairError, MidairRefusal } from '../errors.js';
import { MARKER_COLUMN, filledColumns, type Plan, type TableSync } from '../migration/plan.js';
import { checkExpression, SqlTextProblem } from '../migration/sqlText.js';
import { NEXT_STEP, WORK_ALLOWED } from '../stages/stage.js';
import { activeTarget } from '../stages/target.js';
import { withOperatorLock } from '../state/operatorLock.js';
import { audit, type MigrationRecord } from '../state/store.js';
import type { Context } from './context.js';
import { compileRecord } from './compileRecord.js';

export interface MigrateRowsOptions {
  /** The table (its name in either shape); needed only when the migration changes several. */
  table?: string;
  /** Values of the table's one-column key. */
  keys?: string[];
  /** An SQL condition over the table's columns as they are now (the old shape's names). */
  where?: string;
}

export interface MigrateRowsResult {
  migration: string;
  table: string;
  /** Rows brought to the new shape now. */
  moved: number;
  /** For keys: how many were given (distinct), found, and found migrated already; the first keys not found. */
  keys: null | { given: number; found: number; alreadyMigrated: number; notFound: string[] };
}

const NOT_FOUND_SHOWN = 20;

function tableOf(record: MigrationRecord, plan: Plan, name: string | undefined): TableSync {
  const tables = plan.sync.filter((s) => filledColumns(s).length > 0);
  const viewName = (s: TableSync) => plan.views.find((v) => v.physical === s.table)?.name ?? s.table;
  const listed = tables.map((s) => `"${viewName(s)}"`).join(', ');
  if (tables.length === 0) throw new MidairError(`migration "${record.name}" computes no new columns from old ones, so it has no rows to migrate`, 'nothing to do');
  if (name === undefined) {
    if (tables.length === 1) return tables[0]!;
    throw new MidairError(`migration "${record.name}" migrates rows of several tables: ${listed}`, 'name one with --table');
  }
  const found = tables.find((s) => s.table === name || viewName(s) === name);
  if (!found) throw new MidairError(`migration "${record.name}" has no table "${name}" with rows to migrate`, `its tables: ${listed}`);
  return found;
}

/** The rows named, as an SQL condition with its parameters. */
function selection(record: MigrationRecord, sync: TableSync, options: MigrateRowsOptions): { sql: string; params: unknown[] } {
  if ((options.keys === undefined) === (options.where === undefined)) {
    throw new MidairError('name the rows to migrate with keys or with a where condition (one of the two)', 'e.g. `midair migrate-rows <migration> --keys 1,2,3` or `--where "country = \'NZ\'"`');
  }
  if (options.where !== undefined) {
    try {
      checkExpression(options.where);
    } catch (error) {
      if (error instanceof SqlTextProblem) throw new MidairError(`--where ${JSON.stringify(options.where)}: ${error.message}`, 'give one SQL condition over the table\'s columns');
      throw error;
    }
    return { sql: `(${options.where})`, params: [] };
  }
  if (sync.key.length !== 1) {
    throw new MidairError(
      `table "${sync.table}" has a composite key (${sync.key.join(', ')}), so keys cannot name its rows`,
      `use --where, e.g. --where "${sync.key.map((k) => `${k} = ...`).join(' AND ')}"`,
    );
  }
  const keys = [...new Set(options.keys)];
  if (keys.length === 0) throw new MidairError('no keys given', 'give the keys of the rows to migrate, e.g. --keys 1,2,3');
  return { sql: `${ident(sync.key[0]!)} = ANY ($1::${keyType(record, sync)}[])`, params: [keys] };
}

function keyType(record: MigrationRecord, sync: TableSync): string {
  return record.catalog.tables.find((t) => t.name === sync.table)!.columns.find((c) => c.name === sync.key[0])!.type;
}

function columnsOf(record: MigrationRecord, sync: TableSync): string {
  return record.catalog.tables.find((t) => t.name === sync.table)!.columns.map((c) => c.name).join(', ');
}

/** The server's verdict on the condition before anything moves, so a bad one is named as such. */
async function checkSelection(db: Queryable, table: string, record: MigrationRecord, sync: TableSync, chosen: { sql: string; params: unknown[] }, options: MigrateRowsOptions): Promise<void> {
  try {
    await db.query(`SELECT 1 FROM ${table} WHERE ${chosen.sql} LIMIT 0`, chosen.params);
  } catch (error) {
    const message = (error as Error).message;
    if (options.where !== undefined) throw new MidairError(`--where ${JSON.stringify(options.where)} fails on table "${sync.table}": ${message}`, `the condition reads the table's columns as they are now: ${columnsOf(record, sync)}`);
    throw new MidairError(`keys for table "${sync.table}": ${message}`, `its key "${sync.key[0]}" is ${keyType(record, sync)}`);
  }
}

/**
 * Moves the rows named to the new shape now: the backfill's UPDATE on a subset, only rows not
 * migrated yet, in one transaction (for a few rows, a canary set: the rest is backfill's job).
 */
export async function migrateRows(ctx: Context, name: string | undefined, options: MigrateRowsOptions): Promise<MigrateRowsResult> {
  const { db, settings } = ctx;
  const named = name ?? (await activeTarget(db, settings.schema)).name;
  return withOperatorLock(db, 'migrate-rows', named, async () => {
    const record = await activeTarget(db, settings.schema, named);
    if (!WORK_ALLOWED.backfill.includes(record.stage)) {
      throw new MidairRefusal('stage', `migration "${record.name}" is ${record.stage}, so its rows cannot be migrated now`, NEXT_STEP[record.stage]);
    }
    const plan = compileRecord(record);
    const sync = tableOf(record, plan, options.table);
    const table = qualified(plan.schema, sync.table);
    const chosen = selection(record, sync, options);
    await checkSelection(db, table, record, sync, chosen, options);
    const lazy = Boolean(record.definition.lazy);
    const result = await db.transaction(async (tx) => {
      await tx.exec(`SET LOCAL midair.backfill = 'on'; SET LOCAL lock_timeout = '${Math.max(settings.lockTimeoutMs, 2000)}ms'`);
      const [found] = options.keys
        ? await tx.query<{ found: string; migrated: string; missing: string[] | null }>(
            `SELECT count(*) AS found, count(*) FILTER (WHERE ${ident(MARKER_COLUMN)} IS NOT NULL) AS migrated,
                    (SELECT (array_agg(k))[1:${NOT_FOUND_SHOWN}] FROM unnest($1::text[]) AS k
                      WHERE NOT EXISTS (SELECT 1 FROM ${table} AS t WHERE t.${ident(sync.key[0]!)} = k::${keyType(record, sync)})) AS missing
               FROM ${table} WHERE ${chosen.sql}`,
            chosen.params,
          )
        : [];
      const update = `UPDATE ${table} SET ${backfillSet(filledColumns(sync))} WHERE ${chosen.sql} AND ${ident(MARKER_COLUMN)} IS NULL RETURNING 1`;
      const moving = lazy ? recordingMoves(update, chosen.params, record.id, sync.table, 'migrate-rows') : { sql: `WITH moved AS (${update}) SELECT count(*) AS rows FROM moved`, params: chosen.params };
      const [moved] = await tx.query<{ rows: string }>(moving.sql, moving.params).catch((error: Error) => {
        throw new MidairError(`migrate-rows of "${sync.table}" failed: ${error.message}`, 'the condition or an "up" of the migration fails on one of the rows: fix the row or the condition; nothing was moved');
      });
      const given = new Set(options.keys).size;
      return {
        moved: Number(moved?.rows ?? 0),
        keys: found ? { given, found: Number(found.found), alreadyMigrated: Number(found.migrated), notFound: found.missing ?? [] } : null,
      };
    });
    await audit(db, ctx.actor, { action: 'rows migrated', migration: record.name, details: { table: sync.table, moved: result.moved, ...(options.keys ? { keys: result.keys!.given } : { where: options.where }) } });
    if (lazy) await snapshotLazyProgress(db, record, plan);
    return { migration: record.name, table: sync.table, ...result };
  }, 'shared');
}
