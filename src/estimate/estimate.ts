import { BATCH_ROWS } from '../backfill/worker.js';
import type { CatalogTable } from '../catalog/read.js';
import type { Executor } from '../db/executor.js';
import { PHASES, filledColumns, type Plan, type Step, type TableSync } from '../migration/plan.js';
import { sampleTable, type SampleOutcome, type SampledBackfill, type TableSample } from './sample.js';
import { readServerFacts, readTableStatistics, type ServerFacts, type TableStatistics } from './statistics.js';

/** What one table's in-place backfill will cost. */
export interface BackfillEstimate {
  table: string;
  /** Rows the backfill updates; null when unknown (never analysed and too large to count). */
  rows: number | null;
  rowsFrom: TableStatistics['rowsFrom'];
  tableBytes: number;
  /** At the configured batch size and the default throttle on an idle server; null without a sample. */
  seconds: number | null;
  /** WAL of the row changes, and of full-page images: each page's first change after a checkpoint writes the whole page. */
  walBytes: { rows: number; pageImages: number } | null;
  /** What the table and its indexes grow by until vacuum makes the old row versions' space reusable. */
  growth: { heapBytes: number; heapPages: number; indexBytesUpTo: number; samePageShare: number } | null;
}

/** How long one statement holds its lock. */
export interface StepEstimate {
  phase: (typeof PHASES)[number]['key'];
  /** 1-based, as `plan` numbers the steps of a phase. */
  step: number;
  lock: string;
  held: 'brief' | 'scan' | 'unknown';
  /** For a statement that scans a table: the estimated seconds (null without a sample or row count). */
  seconds: number | null;
  /** Rows of the table it scans. */
  rows: number | null;
}

export interface PlanEstimate {
  /** A sample of this server's speed was taken (on a copy, rolled back). */
  sampled: boolean;
  backfills: BackfillEstimate[];
  steps: StepEstimate[];
  /** Per table: never analysed, sample skipped and why. */
  notes: string[];
  statistics: Record<string, Omit<TableStatistics, 'widths'> & { sample: TableSample | null }>;
}

export interface EstimateOptions {
  /** Take a quick sample of the server's speed (default true); false: statistics only. */
  sample?: boolean;
  batchSize: number;
  targetBatchMs: number;
  /** A never-analysed table larger than this is not counted (its rows are unknown). Default COUNT_LIMIT_BYTES. */
  countLimitBytes?: number;
}

// Sizes from PostgreSQL's storage and WAL formats (bytes), for the estimate without a sample.
const TUPLE_HEADER = 24;
const LINE_POINTER = 4;
const PAGE_HEADER = 24;
/** An UPDATE's WAL record without the new row's data. */
const WAL_UPDATE = 64;
/** A row lock's record: the sync trigger takes one, and a row whose new version goes to another page another. */
const WAL_LOCK = 54;
/** An index entry's WAL record without the entry. */
const WAL_INDEX_INSERT = 48;
const INDEX_TUPLE_HEADER = 8;
/** Width assumed for a variable-width column with no statistics and no sample. */
const UNKNOWN_WIDTH = 16;
/** Statements a backfill batch runs besides its UPDATE (pacing, lease claim, lease end, progress). */
const BATCH_STATEMENTS = 14;

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/** The columns of each index the migration builds on a table (on each partition of a partitioned one) before its backfill runs. */
function builtIndexes(plan: Plan, sync: TableSync, before: CatalogTable | undefined): string[][] {
  const tables = new Set([sync.table, ...(before?.partitions?.map((p) => p.name) ?? [])]);
  const columns = plan.expandOnline.flatMap((s) => (s.scans?.work === 'index build' && tables.has(s.scans.table) && s.scans.columns?.length ? [s.scans.columns] : []));
  // A row is in one partition: it gets one entry per index, not one per partition's copy of it.
  return [...new Map(columns.map((c) => [c.join('\u0000'), c])).values()];
}

/** The indexes a backfilled row gets new entries in (unless it stays on its page): the table's and the migration's. */
function indexesOf(plan: Plan, table: CatalogTable | undefined, sync: TableSync): string[][] {
  return [...(table?.indexes.map((i) => i.uses ?? i.columns) ?? []), ...builtIndexes(plan, sync, table)];
}

function widthOf(stats: TableStatistics, column: string): number {
  return stats.widths.get(column) ?? UNKNOWN_WIDTH;
}

/**
 * An in-place backfill updates every row once. A row's new version stays on its page (a HOT update:
 * no new index entries) when the page has room and no index covers a column it changes; otherwise
 * it goes to a new page, and the old version stays until vacuum. Without a sample, row and column
 * widths come from pg_stats (a new column of unknown width counts as UNKNOWN_WIDTH bytes).
 */
function backfillEstimate(plan: Plan, sync: TableSync, before: CatalogTable | undefined, stats: TableStatistics, sample: TableSample | null, facts: ServerFacts, options: EstimateOptions): BackfillEstimate {
  const { rows } = stats;
  const base = { table: sync.table, rows, rowsFrom: stats.rowsFrom, tableBytes: stats.totalBytes };
  if (rows === null) return { ...base, seconds: null, walBytes: null, growth: null };
  const assignments = filledColumns(sync);
  const changed = new Set(assignments.map((a) => a.column));
  const indexes = indexesOf(plan, before, sync);
  const pages = Math.max(1, Math.ceil(stats.heapBytes / facts.blockSize));
  const oldRow = stats.widths.size > 0 ? TUPLE_HEADER + [...stats.widths.values()].reduce((a, b) => a + b, 0) : rows > 0 ? stats.heapBytes / rows - LINE_POINTER : TUPLE_HEADER;
  const added = sample?.rows ? sample.addedBytesPerRow : assignments.reduce((sum, a) => sum + widthOf(stats, a.column), 1);
  const newRow = align8(oldRow + added);
  const rowsPerPage = rows / pages;
  const freePerPage = Math.max(0, facts.blockSize - PAGE_HEADER - rowsPerPage * (oldRow + LINE_POINTER));
  const blocksHot = indexes.some((columns) => columns.some((c) => changed.has(c)));
  const samePageShare = blocksHot || rowsPerPage === 0 ? 0 : Math.min(1, Math.floor(freePerPage / (newRow + LINE_POINTER)) / rowsPerPage);
  const moved = rows * (1 - samePageShare);
  const fillable = (facts.blockSize * stats.fillfactor) / 100 - PAGE_HEADER;
  const heapPages = Math.ceil((moved * (newRow + LINE_POINTER)) / fillable);
  const indexWal = indexes.reduce((sum, columns) => sum + WAL_INDEX_INSERT + INDEX_TUPLE_HEADER + align8(columns.reduce((w, c) => w + widthOf(stats, c), 0)), 0);
  // The sync trigger locks every row first; a row that moves is locked again before its page is left.
  const modelWal = rows * (WAL_LOCK + WAL_UPDATE + newRow - TUPLE_HEADER) + moved * (WAL_LOCK + indexWal);
  const indexPages = moved > 0 ? stats.indexBytes / facts.blockSize : 0;
  const seconds = sample?.rows ? backfillSeconds(rows, sample, options) : null;
  return {
    ...base,
    seconds,
    walBytes: {
      rows: sample?.rows ? rows * sample.walBytesPerRow : modelWal,
      pageImages: facts.fullPageWrites ? (pages + indexPages) * facts.blockSize : 0,
    },
    growth: { heapBytes: heapPages * facts.blockSize, heapPages, indexBytesUpTo: stats.indexBytes * (1 - samePageShare), samePageShare },
  };
}

/** The workers' batches grow or shrink to targetBatchMs each; every batch also runs its bookkeeping statements. */
function backfillSeconds(rows: number, sample: TableSample, options: EstimateOptions): number {
  const batch = Math.max(BATCH_ROWS.min, Math.min(BATCH_ROWS.max, sample.msPerRow > 0 ? options.targetBatchMs / sample.msPerRow : BATCH_ROWS.max));
  const batches = Math.ceil(rows / batch);
  return (rows * sample.msPerRow + batches * BATCH_STATEMENTS * sample.roundTripMs) / 1000;
}

/**
 * A concurrent index build scans the table twice (build, then validate) and sorts its rows; a
 * validation scans it once. Everything else a plan runs is catalog only: its lock is held for
 * milliseconds, once it has it (it waits at most lock_timeout per try).
 */
function stepEstimate(phase: StepEstimate['phase'], index: number, step: Step, stats: Map<string, TableStatistics>, samples: Map<string, TableSample>, facts: ServerFacts): StepEstimate {
  const base = { phase, step: index + 1, lock: step.lock };
  if (step.raw) return { ...base, held: 'unknown', seconds: null, rows: null };
  if (!step.scans) return { ...base, held: 'brief', seconds: null, rows: null };
  const table = stats.get(step.scans.table);
  const rows = table?.rows ?? null;
  const sample = samples.get(step.scans.table);
  if (!table || rows === null || !sample) return { ...base, held: 'scan', rows, seconds: null };
  const scanMs = (table.heapBytes / facts.blockSize) * sample.scanMsPerPage;
  const ms = step.scans.work === 'index build' ? 2 * scanMs + rows * sample.indexBuildMsPerRow : scanMs;
  return { ...base, held: 'scan', rows, seconds: ms / 1000 };
}

function describeSkip(table: string, outcome: SampleOutcome): string | null {
  return 'skipped' in outcome ? `"${table}": not sampled: ${outcome.skipped}; its times are unknown and its WAL comes from statistics` : null;
}

/**
 * Estimates a plan's cost from the tables' statistics and, unless `sample` is false, a quick
 * sample of this server's speed on a copy of a few rows of each table (sample.ts). Runs nothing of
 * the plan.
 */
export async function estimatePlan(db: Executor, plan: Plan, tables: CatalogTable[], options: EstimateOptions): Promise<PlanEstimate> {
  const facts = await readServerFacts(db);
  const backfilled = plan.sync.filter((s) => filledColumns(s).length > 0);
  const steps = PHASES.flatMap((p) => plan[p.key].map((step, i) => ({ phase: p.key, i, step })));
  const names = [...new Set([...backfilled.map((s) => s.table), ...steps.flatMap(({ step }) => (step.scans ? [step.scans.table] : []))])];
  const stats = new Map<string, TableStatistics>();
  for (const name of names) stats.set(name, await readTableStatistics(db, plan.schema, name, options.countLimitBytes));
  const notes: string[] = [];
  for (const s of stats.values()) {
    if (s.rowsFrom === 'count') notes.push(`"${s.table}" has never been analysed: its rows were counted (${s.rows}) and row widths are guessed; run ANALYZE ${plan.schema}.${s.table} for a better estimate`);
    if (s.rowsFrom === 'unknown') notes.push(`"${s.table}" has never been analysed and is too large to count quickly: its rows, backfill and scan times are unknown; run ANALYZE ${plan.schema}.${s.table} and plan again`);
  }
  const samples = new Map<string, TableSample>();
  if (options.sample !== false) {
    for (const name of names) {
      const sync = backfilled.find((s) => s.table === name);
      const outcome = await sampleTable(db, plan.schema, name, options.batchSize, sync ? sampledBackfill(plan, sync, tables) : null);
      if ('sample' in outcome) samples.set(name, outcome.sample);
      const skipped = describeSkip(name, outcome);
      if (skipped) notes.push(skipped);
    }
  }
  return {
    sampled: samples.size > 0,
    backfills: backfilled.map((sync) =>
      backfillEstimate(plan, sync, tables.find((t) => t.name === sync.table), stats.get(sync.table)!, samples.get(sync.table) ?? null, facts, options),
    ),
    steps: steps.map(({ phase, i, step }) => stepEstimate(phase, i, step, stats, samples, facts)),
    notes,
    statistics: Object.fromEntries([...stats].map(([name, { widths: _, ...s }]) => [name, { ...s, sample: samples.get(name) ?? null }])),
  };
}

function sampledBackfill(plan: Plan, sync: TableSync, tables: CatalogTable[]): SampledBackfill {
  const before = tables.find((t) => t.name === sync.table)!;
  const typeOf = (column: string) => sync.newScope.find((c) => c.physical === column)?.type ?? before.columns.find((c) => c.name === column)!.type;
  const assignments = filledColumns(sync);
  return {
    key: sync.key.map((name) => ({ name, type: before.columns.find((c) => c.name === name)!.type })),
    assignments,
    types: new Map(assignments.map((a) => [a.column, typeOf(a.column)])),
    indexes: builtIndexes(plan, sync, before),
  };
}
