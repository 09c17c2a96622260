import { KeyPool } from '../workload/keyPool.js';
import type { Ledger } from '../workload/ledger.js';
import type { Release, Session, Workload } from '../workload/types.js';
import type { RehearsalTable, ReleaseStatements } from './model.js';

interface WriteResult {
  key: string[];
  v: (string | null)[];
}

/** Keys of one table: those sampled before the run, plus rows the workload inserted (which it may delete). */
export interface TableKeys {
  all: KeyPool;
  inserted: KeyPool;
  /** The sampled rows alone, never deleted: the rows whose values writes copy, so a copy always finds its source. */
  sampled: KeyPool;
}

const decode = (key: string) => JSON.parse(key) as string[];

/**
 * The rehearsal's application, derived from the tables the migration touches: point reads,
 * updates that copy another row's values, clones of existing rows and deletes of its own inserts,
 * through the old shape or the new one. Every acknowledged write goes to the ledger with the values
 * the database computed for it (for the old shape: `up` of the written row, evaluated by the
 * statement itself).
 */
export class RehearsalWorkload implements Workload {
  private inserts = 0;

  constructor(
    private tables: RehearsalTable[],
    private readonly keys: Map<string, TableKeys>,
    private readonly ledger: Ledger,
  ) {}

  /** New statements once start has built the new shape (its unique indexes change what is safe to copy). */
  setTables(tables: RehearsalTable[]): void {
    this.tables = tables;
  }

  async request(release: Release, s: Session): Promise<void> {
    const table = this.tables[Math.floor(Math.random() * this.tables.length)]!;
    const st = table[release];
    const keys = this.keys.get(table.name)!;
    const r = Math.random();
    if (r < 0.6) return this.read(st, keys, s);
    if (r < 0.85 && st.update) return this.update(table, st, keys, release, s);
    if (r < 0.95 && st.insert) return this.insert(table, st, keys, release, s);
    if (r >= 0.95 && keys.inserted.size > 0) return this.delete(table, st, keys, release, s);
    return this.read(st, keys, s);
  }

  private async read(st: ReleaseStatements, keys: TableKeys, s: Session): Promise<void> {
    await keys.all.with(async (key) => {
      if (key === null) return;
      const rows = await s.query(st.read, decode(key));
      if (rows.length !== 1) throw new Error(`a read found ${rows.length} rows for key ${key}`);
    });
  }

  private record(table: RehearsalTable, st: ReleaseStatements, row: WriteResult, release: Release): void {
    this.ledger.write(table.name, row.key, Object.fromEntries(st.fields.map((f, i) => [f, row.v[i] ?? null])), release);
  }

  private async update(table: RehearsalTable, st: ReleaseStatements, keys: TableKeys, release: Release, s: Session): Promise<void> {
    await keys.all.with(async (key) => {
      const source = keys.sampled.sample();
      if (key === null || source === null) return;
      try {
        const rows = await s.query<WriteResult>(st.update!.sql, [...decode(key), ...(st.update!.copiesFrom ? decode(source) : [])]);
        if (rows.length !== 1) throw new Error(`an update found ${rows.length} rows for key ${key}`);
        this.record(table, st, rows[0]!, release);
      } catch (error) {
        this.ledger.forget(table.name, decode(key));
        throw error;
      }
    });
  }

  private async insert(table: RehearsalTable, st: ReleaseStatements, keys: TableKeys, release: Release, s: Session): Promise<void> {
    const source = keys.sampled.sample();
    if (source === null) return;
    const suffix = `~r${++this.inserts}`;
    const rows = await s.query<WriteResult>(st.insert!.sql, [...decode(source), ...(st.insert!.suffix ? [suffix] : [])]);
    if (rows.length !== 1) throw new Error(`cloning the row with key ${source} inserted ${rows.length} rows`);
    this.record(table, st, rows[0]!, release);
    const key = JSON.stringify(rows[0]!.key);
    keys.all.add(key);
    keys.inserted.add(key);
  }

  private async delete(table: RehearsalTable, st: ReleaseStatements, keys: TableKeys, release: Release, s: Session): Promise<void> {
    // Only rows it inserted: other rows may have children that a delete would cascade to or trip over.
    await keys.inserted.with(async (key) => {
      if (key === null || !keys.all.hold(key)) return;
      try {
        const rows = await s.query(st.delete, decode(key));
        if (rows.length !== 1) throw new Error(`a delete found ${rows.length} rows for key ${key}`);
        this.ledger.delete(table.name, decode(key), release);
        keys.all.remove(key);
        keys.inserted.remove(key);
      } catch (error) {
        this.ledger.forget(table.name, decode(key));
        throw error;
      } finally {
        keys.all.release(key);
      }
    });
  }
}
