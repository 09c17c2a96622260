import type { Queryable } from '../db/executor.js';
import { qualified } from '../db/sql.js';

/** What the server's statistics say about one table (a partitioned table: its leaf partitions together). */
export interface TableStatistics {
  table: string;
  /** Rows: from the statistics, or counted; null when never analysed and too large to count. */
  rows: number | null;
  rowsFrom: 'statistics' | 'count' | 'unknown';
  /** The table's own pages, indexes, and everything with TOAST. */
  heapBytes: number;
  indexBytes: number;
  totalBytes: number;
  /** The table's fillfactor (percent of a page that inserts fill; updates may use the rest). */
  fillfactor: number;
  /** Average bytes of each column's values (pg_stats avg_width); empty when never analysed. */
  widths: Map<string, number>;
}

/** Settings of this server that the estimate depends on. */
export interface ServerFacts {
  blockSize: number;
  fullPageWrites: boolean;
}

/** A never-analysed table up to this size is counted (a scan of at most this much); a larger one is not. */
export const COUNT_LIMIT_BYTES = 64 * 1024 * 1024;

export async function readServerFacts(db: Queryable): Promise<ServerFacts> {
  const [row] = await db.query<{ block_size: string; fpw: string }>(`SELECT current_setting('block_size') AS block_size, current_setting('full_page_writes') AS fpw`);
  return { blockSize: Number(row!.block_size), fullPageWrites: row!.fpw === 'on' };
}

/** Reads a table's statistics; counts its rows when it was never analysed and is small enough. */
export async function readTableStatistics(db: Queryable, schema: string, table: string, countLimitBytes = COUNT_LIMIT_BYTES): Promise<TableStatistics> {
  const [row] = await db.query<{ analysed: boolean; reltuples: number; heap: number; indexes: number; total: number; fillfactor: number; widths: Record<string, number> | null }>(
    `WITH t AS (SELECT to_regclass($1) AS oid),
          leaves AS (SELECT c.oid FROM t JOIN pg_class c ON c.oid = t.oid WHERE c.relkind <> 'p'
                     UNION SELECT p.relid FROM t, pg_partition_tree(t.oid) p WHERE p.isleaf),
          rel AS (SELECT c.*, n.nspname FROM leaves JOIN pg_class c ON c.oid = leaves.oid JOIN pg_namespace n ON n.oid = c.relnamespace)
     SELECT bool_and(reltuples >= 0) AS analysed,
            sum(greatest(reltuples, 0))::float8 AS reltuples,
            sum(pg_relation_size(oid))::float8 AS heap,
            sum(pg_indexes_size(oid))::float8 AS indexes,
            sum(pg_total_relation_size(oid))::float8 AS total,
            min(coalesce((SELECT option_value::int FROM pg_options_to_table(reloptions) WHERE option_name = 'fillfactor'), 100)) AS fillfactor,
            (SELECT jsonb_object_agg(attname, width) FROM (
               SELECT s.attname, avg(s.avg_width)::float8 AS width FROM pg_stats s JOIN rel ON s.schemaname = rel.nspname AND s.tablename = rel.relname
               GROUP BY s.attname) w) AS widths
     FROM rel`,
    [qualified(schema, table)],
  );
  const stats = {
    table,
    heapBytes: row!.heap,
    indexBytes: row!.indexes,
    totalBytes: row!.total,
    fillfactor: row!.fillfactor,
    widths: new Map(Object.entries(row!.widths ?? {})),
  };
  if (row!.analysed) return { ...stats, rows: row!.reltuples, rowsFrom: 'statistics' };
  if (stats.heapBytes > countLimitBytes) return { ...stats, rows: null, rowsFrom: 'unknown' };
  const [count] = await db.query<{ n: number }>(`SELECT count(*)::float8 AS n FROM ${qualified(schema, table)}`);
  return { ...stats, rows: count!.n, rowsFrom: 'count' };
}
