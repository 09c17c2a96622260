import { KeyRange, type Key, type KeyColumn } from '../backfill/keyRange.js';
import { backfillSet } from '../backfill/worker.js';
import type { Queryable, Transactional } from '../db/executor.js';
import { rolledBack } from '../db/rolledBack.js';
import { ident, qualified } from '../db/sql.js';
import { MARKER_COLUMN, type Assignment } from '../migration/plan.js';
import { SKIP_DURING_BACKFILL } from '../migration/syncTrigger.js';

/** This server's speed on one table, measured on a copy of a few of its rows. */
export interface TableSample {
  /** Rows the sample's backfill batches updated (0 when the table has no backfill). */
  rows: number;
  batches: number;
  /** Server time per row of the backfill's UPDATE. */
  msPerRow: number;
  /** WAL per row of that UPDATE (EXPLAIN's own count: other sessions' WAL is not in it). */
  walBytesPerRow: number;
  /** Average bytes the backfill adds to a row: its new columns' values and the marker. */
  addedBytesPerRow: number;
  /** Server time per page of reading the table itself (what a validation does; a scan's cost is in its pages). */
  scanMsPerPage: number;
  /** Server time per row of building a b-tree on the copy (sorting and writing it). */
  indexBuildMsPerRow: number;
  /** A trivial statement's round trip: what each of a batch's bookkeeping statements costs at least. */
  roundTripMs: number;
}

export type SampleOutcome = { sample: TableSample } | { skipped: string };

/** The migration's own backfill on one table, when it has one. */
export interface SampledBackfill {
  key: KeyColumn[];
  assignments: Assignment[];
  /** The type of each column the backfill writes (physical name). */
  types: Map<string, string>;
  /** The columns of each index the migration builds on the table before its backfill runs. */
  indexes: string[][];
}

/** Batches of the backfill run on the copy, each of `batchSize` rows (the configured first batch, at most this). */
export const SAMPLE_BATCHES = 3;
const MAX_SAMPLE_BATCH = 2000;
/** Every statement of the sample is bounded, so a slow server or an expensive `up` cannot hold it long. */
const SAMPLE_STATEMENT_TIMEOUT_MS = 5000;

interface Explained {
  Plan: { 'WAL Bytes'?: number; 'Shared Hit Blocks'?: number; 'Shared Read Blocks'?: number; Plans?: { 'Actual Rows': number }[] };
  'Execution Time': number;
}

async function explain(tx: Queryable, sql: string, params: unknown[]): Promise<Explained> {
  const [row] = await tx.query<{ 'QUERY PLAN': Explained[] | string }>(`EXPLAIN (ANALYZE, WAL, BUFFERS, TIMING OFF, FORMAT JSON) ${sql}`, params);
  const plan = row!['QUERY PLAN'];
  return (typeof plan === 'string' ? JSON.parse(plan) : plan)[0] as Explained;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function roundTrip(tx: Queryable): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) runs.push(await timed(() => tx.query('SELECT 1')));
  return runs.sort((a, b) => a - b)[2]!;
}

/**
 * What building a b-tree over the copy's rows costs beyond building one over none of them (the
 * catalog work of any CREATE INDEX, which a large build does not repeat): the faster of two tries
 * of each, so a moment of load on the server weighs less.
 */
async function indexBuildMs(tx: Queryable, copy: string): Promise<number> {
  const [first] = await tx.query<{ name: string }>('SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum LIMIT 1', [copy]);
  const build = async (where: string) => {
    const once = () => timed(() => tx.exec(`CREATE INDEX ON ${copy} (${ident(first!.name)})${where}`));
    return Math.min(await once(), await once());
  };
  return Math.max(0, (await build('')) - (await build(' WHERE false')));
}

/** Why a table's sample would leave a trace: a sequence advances even in a transaction rolled back. */
export function sampleHazard(assignments: Assignment[]): string | null {
  const advancing = assignments.find((a) => /\b(nextval|setval)\s*\(/i.test(a.expression));
  return advancing ? `${advancing.source}: the value of "${advancing.column}" calls a sequence, which a sample would advance even rolled back` : null;
}

/**
 * Measures this server on a copy of the first rows of `schema.table`, in one transaction that is
 * always rolled back: the copy (a table in the control schema, with the table's indexes and
 * fillfactor) gets the backfill's new columns and a few batches of the backfill's own UPDATE, each
 * timed and its WAL counted by EXPLAIN; then a scan of the table's first rows and a b-tree build on
 * the copy are timed. The table itself is only read (an ACCESS SHARE lock until the rollback), and
 * its triggers do not fire. A failure (a timeout, an `up` that fails) is returned as the reason.
 */
export async function sampleTable(db: Transactional, schema: string, table: string, batchSize: number, backfill: SampledBackfill | null): Promise<SampleOutcome> {
  const hazard = backfill && sampleHazard(backfill.assignments);
  if (hazard) return { skipped: hazard };
  const source = qualified(schema, table);
  const name = `plan_sample_${Math.random().toString(36).slice(2, 10)}`;
  const copy = qualified('midair', name);
  const batch = Math.max(1, Math.min(MAX_SAMPLE_BATCH, batchSize));
  try {
    const sample = await rolledBack(db, async (tx) => {
      await tx.exec(`SET LOCAL statement_timeout = '${SAMPLE_STATEMENT_TIMEOUT_MS}ms'; SET LOCAL lock_timeout = '${SAMPLE_STATEMENT_TIMEOUT_MS}ms'`);
      const roundTripMs = await roundTrip(tx);
      const [options] = await tx.query<{ fillfactor: number | null }>(
        `SELECT (SELECT option_value::int FROM pg_options_to_table(reloptions) WHERE option_name = 'fillfactor') AS fillfactor FROM pg_class WHERE oid = to_regclass($1)`,
        [source],
      );
      const storage = options?.fillfactor ? ` WITH (fillfactor = ${options.fillfactor})` : '';
      await tx.exec(`CREATE TABLE ${copy} (LIKE ${source} INCLUDING DEFAULTS INCLUDING INDEXES INCLUDING STORAGE)${storage}`);
      const rows = SAMPLE_BATCHES * batch;
      const scan = await explain(tx, `SELECT * FROM ${source} LIMIT $1`, [rows]);
      const [copied] = await tx.query<{ n: number }>(`WITH c AS (INSERT INTO ${copy} SELECT * FROM ${source} LIMIT $1 RETURNING 1) SELECT count(*)::float8 AS n FROM c`, [rows]);
      const n = copied!.n;
      const figures = { rows: 0, batches: 0, msPerRow: 0, walBytesPerRow: 0, addedBytesPerRow: 0 };
      if (backfill && n > 0) Object.assign(figures, await sampleBackfill(tx, { copy, fn: qualified('midair', `${name}_fn`) }, table, batch, backfill));
      return {
        ...figures,
        scanMsPerPage: scan['Execution Time'] / Math.max(1, (scan.Plan['Shared Hit Blocks'] ?? 0) + (scan.Plan['Shared Read Blocks'] ?? 0)),
        indexBuildMsPerRow: n > 0 ? (await indexBuildMs(tx, copy)) / n : 0,
        roundTripMs,
      };
    });
    return { sample };
  } catch (error) {
    return { skipped: `the sample failed: ${(error as Error).message}` };
  }
}

/** The backfill's batches on the copy: the same SET, by key range, as the workers run them. */
async function sampleBackfill(tx: Queryable, { copy, fn }: { copy: string; fn: string }, table: string, batch: number, backfill: SampledBackfill) {
  for (const column of [...backfill.assignments.map((a) => a.column), MARKER_COLUMN]) {
    const type = column === MARKER_COLUMN ? '"char"' : backfill.types.get(column)!;
    await tx.exec(`ALTER TABLE ${copy} ADD COLUMN IF NOT EXISTS ${ident(column)} ${type}`);
  }
  for (const columns of backfill.indexes) await tx.exec(`CREATE INDEX ON ${copy} (${columns.map(ident).join(', ')})`);
  // The sync trigger is in place while the real backfill runs: standing aside, it still locks each row first.
  await tx.exec(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$`);
  await tx.exec(`CREATE TRIGGER sync BEFORE UPDATE ON ${copy} FOR EACH ROW WHEN (${SKIP_DURING_BACKFILL}) EXECUTE FUNCTION ${fn}(); SET LOCAL midair.backfill = 'on'`);
  const range = new KeyRange(copy, backfill.key);
  // Named as the table, so that an `up` naming its columns as table.column works on the copy too.
  const update = `UPDATE ${copy} AS ${ident(table)} SET ${backfillSet(backfill.assignments)}`;
  let lo: Key | null = null;
  let rows = 0;
  let batches = 0;
  let ms = 0;
  let wal = 0;
  for (let i = 0; i < SAMPLE_BATCHES; i++) {
    const hi = await range.boundary(tx, lo, batch);
    const where = range.condition(lo, hi);
    const explained = await explain(tx, `${update} WHERE ${where.sql}`, where.params);
    ms += explained['Execution Time'];
    wal += explained.Plan['WAL Bytes'] ?? 0;
    batches++;
    rows += explained.Plan.Plans?.[0]?.['Actual Rows'] ?? 0;
    if (!hi) break;
    lo = hi;
  }
  const columns = [...backfill.assignments.map((a) => a.column), MARKER_COLUMN].map((c) => `coalesce(pg_column_size(${ident(c)}), 0)`).join(' + ');
  const [added] = await tx.query<{ bytes: number | null }>(`SELECT avg(${columns})::float8 AS bytes FROM ${copy}`);
  return { rows, batches, msPerRow: rows > 0 ? ms / rows : 0, walBytesPerRow: rows > 0 ? wal / rows : 0, addedBytesPerRow: added?.bytes ?? 0 };
}
