import type { Queryable } from '../db/executor.js';
import { ident } from '../db/sql.js';

export interface KeyColumn {
  name: string;
  type: string;
}

/** A key as text values, one per key column: what checkpoints store and messages print. */
export type Key = string[];

/**
 * Walks a table in key order by ranges (lo, hi]: each range is found with an index scan on the
 * key, so a batch costs the same at the start and the end of a large table.
 */
export class KeyRange {
  constructor(
    readonly table: string,
    readonly columns: KeyColumn[],
  ) {}

  get tuple(): string {
    return `(${this.columns.map((c) => ident(c.name)).join(', ')})`;
  }

  get asText(): string {
    return `ARRAY[${this.columns.map((c) => `${ident(c.name)}::text`).join(', ')}]`;
  }

  /** SQL condition and parameters for `lo < key <= hi`; null bounds are open. */
  condition(lo: Key | null, hi: Key | null, firstParam = 1): { sql: string; params: string[] } {
    const parts: string[] = [];
    const params: string[] = [];
    const bound = (key: Key) => `(${key.map((_, i) => `$${firstParam + params.length + i}::${this.columns[i]!.type}`).join(', ')})`;
    if (lo) {
      parts.push(`${this.tuple} > ${bound(lo)}`);
      params.push(...lo);
    }
    if (hi) {
      parts.push(`${this.tuple} <= ${bound(hi)}`);
      params.push(...hi);
    }
    return { sql: parts.length ? parts.join(' AND ') : 'true', params };
  }

  /** The key of the n-th row after `lo`, or null when fewer than n rows remain. */
  async boundary(db: Queryable, lo: Key | null, n: number): Promise<Key | null> {
    const where = this.condition(lo, null);
    const rows = await db.query<{ key: Key }>(
      `SELECT ${this.asText} AS key FROM ${this.table} WHERE ${where.sql} ORDER BY ${this.columns.map((c) => ident(c.name)).join(', ')} OFFSET ${Math.max(0, n - 1)} LIMIT 1`,
      where.params,
    );
    return rows[0]?.key ?? null;
  }

  format(key: Key): string {
    return this.columns.map((c, i) => `${c.name}=${key[i]}`).join(', ');
  }
}
