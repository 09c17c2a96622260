import type { Queryable } from '../db/executor.js';
import { ident, qualified } from '../db/sql.js';
import { MidairError } from '../errors.js';
import type { Context } from '../lifecycle/context.js';
import { MARKER_COLUMN, type Assignment, type Plan, type TableSync } from '../migration/plan.js';
import type { MigrationRecord } from '../state/store.js';
import { KeyRange, type Key } from './keyRange.js';

export interface BackfillTableResult {
  table: string;
  rows: number;
  seconds: number;
}

export interface BackfillResult {
  migration: string;
  tables: BackfillTableResult[];
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

interface Checkpoint {
  lastKey: Key | null;
  rowsDone: number;
  rowsTotal: number;
  done: boolean;
}

export function backfilledColumns(sync: TableSync): Assignment[] {
  return [...sync.up, ...sync.fill];
}

export function keyRangeOf(plan: Plan, record: MigrationRecord, sync: TableSync): KeyRange {
  const before = record.catalog.tables.find((t) => t.name === sync.table)!;
  const columns = sync.key.map((name) => ({ name, type: before.columns.find((c) => c.name === name)!.type }));
  return new KeyRange(qualified(plan.schema, sync.table), columns);
}

async function loadCheckpoint(db: Queryable, record: MigrationRecord, sync: TableSync, range: KeyRange): Promise<Checkpoint> {
  const rows = await db.query<{ last_key: Key | null; rows_done: string; rows_total: string; done: boolean }>(
    'SELECT last_key, rows_done, rows_total, done FROM midair.backfill_checkpoints WHERE migration_id = $1 AND table_name = $2',
    [record.id, sync.table],
  );
  if (rows[0]) return { lastKey: rows[0].last_key, rowsDone: Number(rows[0].rows_done), rowsTotal: Number(rows[0].rows_total), done: rows[0].done };
  const [count] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${range.table}`);
  const checkpoint = { lastKey: null, rowsDone: 0, rowsTotal: Number(count?.n ?? 0), done: false };
  await db.query(
    `INSERT INTO midair.backfill_checkpoints (migration_id, table_name, rows_total) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [record.id, sync.table, checkpoint.rowsTotal],
  );
  return checkpoint;
}

/** Finds the first row whose `up` fails, so the message can name it (the batch failed as a whole). */
async function findFailingRow(ctx: Context, range: KeyRange, assignments: Assignment[], lo: Key | null, hi: Key | null): Promise<string | null> {
  const where = range.condition(lo, hi);
  const keys = await ctx.db.query<{ key: Key }>(`SELECT ${range.asText} AS key FROM ${range.table} WHERE ${where.sql} ORDER BY ${range.tuple.slice(1, -1)}`, where.params);
  for (const { key } of keys) {
    for (const a of assignments) {
      const cond = range.columns.map((c, i) => `${ident(c.name)} = $${i + 1}::${c.type}`).join(' AND ');
      try {
        await ctx.db.query(`SELECT (${a.expression}) FROM ${range.table} WHERE ${cond}`, key);
      } catch (error) {
        return `${a.source}: "up" for column "${a.column}" fails on the row with ${range.format(key)}: ${(error as Error).message}`;
      }
    }
  }
  return null;
}

/**
 * Fills the new representation of existing rows, batch by batch in key order. Each batch is one
 * set-wise UPDATE that computes the new columns itself (the sync trigger stands aside), touches only
 * rows no writer has synced yet, and commits together with its checkpoint: a killed backfill
 * resumes exactly where it stopped.
 */
export async function runBackfill(ctx: Context, record: MigrationRecord, plan: Plan): Promise<BackfillResult> {
  const started = Date.now();
  const results: BackfillTableResult[] = [];
  for (const sync of plan.sync) {
    const assignments = backfilledColumns(sync);
    if (assignments.length === 0) continue;
    const range = keyRangeOf(plan, record, sync);
    const checkpoint = await loadCheckpoint(ctx.db, record, sync, range);
    const tableStarted = Date.now();
    let rows = 0;
    let batch = ctx.settings.batchSize;
    const set = [...assignments.map((a) => `${ident(a.column)} = (${a.expression})`), `${ident(MARKER_COLUMN)} = 'o'`].join(', ');
    while (!checkpoint.done) {
      const batchStarted = Date.now();
      const lo = checkpoint.lastKey;
      let hi: Key | null = null;
      let count = 0;
      try {
        await ctx.db.transaction(async (tx) => {
          await tx.exec(`SET LOCAL midair.backfill = 'on'; SET LOCAL lock_timeout = '${Math.max(ctx.settings.lockTimeoutMs, 2000)}ms'`);
          hi = await range.boundary(tx, lo, batch);
          const where = range.condition(lo, hi);
          if (hi) count = batch;
          else {
            const [rest] = await tx.query<{ n: string }>(`SELECT count(*) AS n FROM ${range.table} WHERE ${where.sql}`, where.params);
            count = Number(rest?.n ?? 0);
          }
          await tx.query(`UPDATE ${range.table} SET ${set} WHERE ${where.sql} AND ${ident(MARKER_COLUMN)} IS NULL`, where.params);
          await tx.query(
            `UPDATE midair.backfill_checkpoints SET last_key = $3, rows_done = rows_done + $4, done = $5, updated_at = now()
              WHERE migration_id = $1 AND table_name = $2`,
            [record.id, sync.table, JSON.stringify(hi ?? lo), count, hi === null],
          );
        });
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === '55P03' || code === '40P01') continue; // a row was locked by the application: try the batch again
        if (code === '23505' || code === '23514' || code === '23502') {
          const e = error as { message: string; detail?: string };
          throw new MidairError(`backfill of "${sync.table}" stopped: ${e.message}${e.detail ? ` (${e.detail})` : ''}`, 'the new values break a constraint: change "up" so they satisfy it, then roll back and start again');
        }
        const failing = await findFailingRow(ctx, range, assignments, lo, hi ?? null).catch(() => null);
        if (failing) throw new MidairError(`backfill of "${sync.table}" stopped: ${failing}`, 'fix "up" in the migration (roll back, edit, start again); the rows before it are kept');
        throw error;
      }
      checkpoint.lastKey = hi ?? lo;
      checkpoint.done = hi === null;
      checkpoint.rowsDone += count;
      rows += count;
      const elapsedMs = Date.now() - batchStarted;
      // Adapt the batch to the target time, by at most a factor of two per step.
      const factor = Math.min(2, Math.max(0.5, ctx.settings.targetBatchMs / Math.max(1, elapsedMs)));
      batch = Math.max(100, Math.min(100_000, Math.round(batch * factor)));
      const seconds = (Date.now() - tableStarted) / 1000;
      const rate = seconds > 0 ? rows / seconds : 0;
      const remaining = Math.max(0, checkpoint.rowsTotal - checkpoint.rowsDone);
      ctx.report.progress({
        table: sync.table,
        rowsDone: checkpoint.rowsDone,
        rowsTotal: Math.max(checkpoint.rowsTotal, checkpoint.rowsDone),
        rowsPerSecond: rate,
        etaSeconds: checkpoint.done ? 0 : rate > 0 ? remaining / rate : null,
        batchSize: batch,
      });
    }
    results.push({ table: sync.table, rows, seconds: (Date.now() - tableStarted) / 1000 });
  }
  const seconds = (Date.now() - started) / 1000;
  const rows = results.reduce((sum, r) => sum + r.rows, 0);
  return { migration: record.name, tables: results, rows, seconds, rowsPerSecond: seconds > 0 ? rows / seconds : 0 };
}

/** Rows that no write and no backfill batch has brought to the new shape yet. */
export async function unsyncedRows(db: Queryable, plan: Plan): Promise<number> {
  let total = 0;
  for (const sync of plan.sync) {
    if (backfilledColumns(sync).length === 0) continue;
    const [row] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(plan.schema, sync.table)} WHERE ${ident(MARKER_COLUMN)} IS NULL`);
    total += Number(row?.n ?? 0);
  }
  return total;
}
