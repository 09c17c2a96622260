import type { Queryable } from '../db/executor.js';
import { ident, qualified } from '../db/sql.js';
import type { Side } from './types.js';

/** A table in its final shape, as the check reads it. */
export interface LedgerTable {
  name: string;
  key: { name: string; type: string }[];
}

export interface LostWrite {
  table: string;
  /** "id=5". */
  key: string;
  /** The field whose final value differs; null when the whole row is missing or should be gone. */
  field: string | null;
  expected: string | null;
  actual: string | null;
  /** The shape the write went through. */
  side: Side;
  stage: string;
}

export interface LedgerResult {
  acknowledged: number;
  /** Acknowledged writes whose effect is not in the final tables. */
  lost: number;
  rowsChecked: number;
  samples: LostWrite[];
}

interface Expectation {
  value: string | null;
  write: number;
}

interface RowState {
  key: string[];
  deletedBy: number | null;
  fields: Map<string, Expectation>;
}

const CHUNK = 500;
/** Lost writes shown per table. */
const MAX_SAMPLES = 10;

/**
 * Every acknowledged write and the value it must leave in the final tables, per row and field, in
 * the names of the final shape (a write of `name` through the old shape expects `first_name`/`last_name`).
 * After complete, `check` reads each row back: a differing field, a missing row or a deleted row that
 * is still there is a lost write. Values are compared as PostgreSQL's text output.
 */
export class Ledger {
  private readonly writes: { side: Side; stage: string }[] = [];
  private readonly rows = new Map<string, Map<string, RowState>>();

  constructor(private readonly stage: () => string) {}

  get acknowledged(): number {
    return this.writes.length;
  }

  private row(table: string, key: string[]): RowState {
    let rows = this.rows.get(table);
    if (!rows) this.rows.set(table, (rows = new Map()));
    const id = JSON.stringify(key);
    let row = rows.get(id);
    if (!row) rows.set(id, (row = { key, deletedBy: null, fields: new Map() }));
    return row;
  }

  private note(side: Side): number {
    this.writes.push({ side, stage: this.stage() });
    return this.writes.length - 1;
  }

  /** An acknowledged insert or update: `fields` are final-shape column names and their expected text. */
  write(table: string, key: string[], fields: Record<string, string | null>, side: Side): void {
    const write = this.note(side);
    const row = this.row(table, key);
    row.deletedBy = null;
    for (const [field, value] of Object.entries(fields)) row.fields.set(field, { value, write });
  }

  delete(table: string, key: string[], side: Side): void {
    const row = this.row(table, key);
    row.deletedBy = this.note(side);
    row.fields.clear();
  }

  /** A write that failed may or may not have committed: its row's final state is unknown. */
  forget(table: string, key: string[]): void {
    this.rows.get(table)?.delete(JSON.stringify(key));
  }

  async check(db: Queryable, schema: string, tables: LedgerTable[]): Promise<LedgerResult> {
    const lostWrites = new Set<number>();
    const samples: LostWrite[] = [];
    let rowsChecked = 0;
    // Samples are kept per table, so the losses of each table show, not only of the first one read.
    const sampled = new Map<string, number>();
    const lose = (write: number, sample: Omit<LostWrite, 'side' | 'stage'>) => {
      lostWrites.add(write);
      const n = sampled.get(sample.table) ?? 0;
      if (n < MAX_SAMPLES) {
        sampled.set(sample.table, n + 1);
        samples.push({ ...sample, ...this.writes[write]! });
      }
    };
    for (const [name, rows] of this.rows) {
      const table = tables.find((t) => t.name === name);
      if (!table) throw new Error(`the ledger has writes to "${name}", which the check does not know`);
      const fields = [...new Set([...rows.values()].flatMap((r) => [...r.fields.keys()]))];
      const format = (key: string[]) => table.key.map((k, i) => `${k.name}=${key[i]}`).join(', ');
      const all = [...rows.values()];
      for (let i = 0; i < all.length; i += CHUNK) {
        const chunk = all.slice(i, i + CHUNK);
        const found = await readRows(db, schema, table, fields, chunk.map((r) => r.key));
        rowsChecked += chunk.length;
        for (const row of chunk) {
          const actual = found.get(JSON.stringify(row.key));
          const key = format(row.key);
          if (row.deletedBy !== null) {
            if (actual) lose(row.deletedBy, { table: name, key, field: null, expected: '(deleted)', actual: '(present)' });
            continue;
          }
          for (const [field, expected] of row.fields) {
            if (!actual) lose(expected.write, { table: name, key, field: null, expected: '(present)', actual: '(missing)' });
            else if (actual[fields.indexOf(field)] !== expected.value) {
              lose(expected.write, { table: name, key, field, expected: expected.value, actual: actual[fields.indexOf(field)] ?? null });
            }
          }
        }
      }
    }
    return { acknowledged: this.acknowledged, lost: lostWrites.size, rowsChecked, samples };
  }
}

/** The given rows' fields as text, by key; the key list is matched through the table's key index. */
async function readRows(db: Queryable, schema: string, table: LedgerTable, fields: string[], keys: string[][]): Promise<Map<string, (string | null)[]>> {
  const keyText = `ARRAY[${table.key.map((k) => `${ident(k.name)}::text`).join(', ')}]`;
  const columns = fields.map((f, i) => `${ident(f)}::text AS c${i}`);
  const tuple = `(${table.key.map((k) => ident(k.name)).join(', ')})`;
  const unnest = `SELECT * FROM unnest(${table.key.map((k, i) => `$${i + 1}::${k.type}[]`).join(', ')})`;
  const rows = await db.query<Record<string, string | null> & { key: string[] }>(
    `SELECT ${[`${keyText} AS key`, ...columns].join(', ')} FROM ${qualified(schema, table.name)} WHERE ${tuple} IN (${unnest})`,
    table.key.map((_, i) => keys.map((k) => k[i])),
  );
  return new Map(rows.map((r) => [JSON.stringify(r.key), fields.map((_, i) => r[`c${i}`] ?? null)]));
}
