import type { Queryable } from '../db/executor.js';

/**
 * A part of a table's heap, blocks [from, to): workers split a table by where its rows lie rather
 * than by key, so each part is one sequential read (a TID range scan) whatever the key and the
 * table's physical order. A null bound is open, so the parts cover every row however the table
 * grew since its size was read.
 */
export interface BlockRange {
  from: number | null;
  to: number | null;
}

/** The whole table: one plain scan. */
export const WHOLE_TABLE: BlockRange = { from: null, to: null };

/**
 * Blocks per part: 8 MB of 8 kB pages, a tenth of a second's scan. Workers take parts as they
 * finish, so small parts let them finish close together; a part's query costs a millisecond.
 */
const PART_BLOCKS = 1024;

/** The table's size in blocks; of its largest partition for a partitioned table (each has its own block numbers). */
export async function blocksOf(db: Queryable, table: string): Promise<number> {
  const [row] = await db.query<{ blocks: number }>(
    `SELECT (greatest(pg_relation_size($1::regclass), (SELECT max(pg_relation_size(relid)) FROM pg_partition_tree($1::regclass))) / current_setting('block_size')::int)::int AS blocks`,
    [table],
  );
  return row?.blocks ?? 0;
}

/** Parts for `workers` to share: at least one each where the table has the blocks, and none larger than PART_BLOCKS. */
export function blockRanges(blocks: number, workers: number): BlockRange[] {
  const parts = Math.max(1, Math.min(blocks, Math.max(workers, Math.ceil(blocks / PART_BLOCKS))));
  const edge = (i: number) => Math.floor((i * blocks) / parts);
  return Array.from({ length: parts }, (_, i) => ({ from: i === 0 ? null : edge(i), to: i === parts - 1 ? null : edge(i + 1) }));
}

/** SQL condition on the ctid of the row alias `o`. */
export function blockCondition(range: BlockRange): string {
  const parts: string[] = [];
  if (range.from !== null) parts.push(`o.ctid >= '(${range.from},0)'::tid`);
  if (range.to !== null) parts.push(`o.ctid < '(${range.to},0)'::tid`);
  return parts.length ? parts.join(' AND ') : 'true';
}
