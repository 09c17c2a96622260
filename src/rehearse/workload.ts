import type { Side } from '../client/route.js';
import type { MigrationSpec, ShapeDb } from '../client/spec.js';
import { KeyPool } from '../workload/keyPool.js';
import type { Ledger } from '../workload/ledger.js';
import type { RecordRouter, RequestTrace, Workload } from '../workload/types.js';
import type { RehearsalTable, ShapeStatements } from './model.js';

/** Keys of one table: those sampled before the run, plus rows the workload inserted (which it may delete). */
export interface TableKeys {
  all: KeyPool;
  inserted: KeyPool;
  /** The sampled rows alone, never deleted: the rows whose values writes copy, so a copy always finds its source. */
  sampled: KeyPool;
}

/**
 * One request of the rehearsal's application: a read or write of one row of a touched table. `key`
 * and `source` are JSON arrays of key values as text; an insert has no key yet and is routed by
 * `suffix`, the request's own token (which also keeps its unique values unique).
 */
export interface RehearsalRequest {
  table: string;
  op: 'read' | 'update' | 'insert' | 'delete';
  key: string | null;
  source: string | null;
  suffix: string;
}

interface WriteResult {
  key: string[];
  v: (string | null)[];
}

/** What a write reports: the row it wrote (key and final-shape values) and the shape that wrote it. */
interface Written {
  side: Side;
  row: WriteResult | null;
}

const decode = (key: string) => JSON.parse(key) as string[];

/**
 * The rehearsal's application, derived from the tables the migration touches: point reads,
 * updates that copy another row's values, clones of existing rows and deletes of its own inserts,
 * each one request through the Midair client, which picks the shape. Every acknowledged write goes
 * to the ledger with the values the database computed for it (for the old shape: `up` of the
 * written row, evaluated by the statement itself) and the shape that wrote it.
 */
export class RehearsalWorkload implements Workload<RehearsalRequest> {
  private requests = 0;

  constructor(
    private tables: RehearsalTable[],
    private readonly keys: Map<string, TableKeys>,
    private readonly ledger: Ledger,
  ) {}

  /** New statements once start has built the new shape (its unique indexes change what is safe to copy). */
  setTables(tables: RehearsalTable[]): void {
    this.tables = tables;
  }

  /** The declaration for the Midair client: both shapes' statements of the table a request names. */
  spec(): MigrationSpec<RehearsalRequest, (string | null)[], Written> {
    const run = (side: Side) => ({
      read: async (db: ShapeDb, r: RehearsalRequest) => {
        const { rows } = await db.query<{ v: (string | null)[] }>(this.table(r.table)[side].read, decode(r.key!));
        if (rows.length !== 1) throw new Error(`a read of "${r.table}" found ${rows.length} rows for key ${r.key}`);
        return rows[0]!.v;
      },
      write: async (db: ShapeDb, r: RehearsalRequest): Promise<Written> => ({ side, row: await this.write(db, this.table(r.table)[side], r) }),
    });
    const oldSide = run('old');
    const newSide = run('new');
    return {
      key: (r) => `${r.table}:${r.key ?? `new:${r.suffix}`}`,
      readOld: oldSide.read,
      readNew: newSide.read,
      writeOld: oldSide.write,
      writeNew: newSide.write,
    };
  }

  /** A read of a sampled row, for the kill switch's measurement: nothing is sent. */
  sampleRecord(): { key: string; input: RehearsalRequest } | null {
    const table = this.tables[Math.floor(Math.random() * this.tables.length)]!;
    const key = this.keys.get(table.name)!.sampled.sample();
    if (key === null) return null;
    const input: RehearsalRequest = { table: table.name, op: 'read', key, source: null, suffix: '' };
    return { key: `${table.name}:${key}`, input };
  }

  async request(router: RecordRouter<RehearsalRequest>, trace: RequestTrace): Promise<void> {
    const table = this.tables[Math.floor(Math.random() * this.tables.length)]!;
    const keys = this.keys.get(table.name)!;
    const r = Math.random();
    if (r < 0.6) return this.read(router, trace, table, keys);
    if (r < 0.85) return this.update(router, trace, table, keys);
    if (r < 0.95) return this.insert(router, trace, table, keys);
    if (keys.inserted.size > 0) return this.delete(router, trace, table, keys);
    return this.read(router, trace, table, keys);
  }

  private table(name: string): RehearsalTable {
    return this.tables.find((t) => t.name === name)!;
  }

  private requestFor(table: RehearsalTable, op: RehearsalRequest['op'], key: string | null, source: string | null = null): RehearsalRequest {
    return { table: table.name, op, key, source, suffix: `~r${++this.requests}` };
  }

  /** The statement a write runs on one shape. */
  private async write(db: ShapeDb, st: ShapeStatements, r: RehearsalRequest): Promise<WriteResult | null> {
    if (r.op === 'delete') {
      const { rows } = await db.query(st.delete, decode(r.key!));
      if (rows.length !== 1) throw new Error(`a delete of "${r.table}" found ${rows.length} rows for key ${r.key}`);
      return null;
    }
    const statement = r.op === 'update' ? st.update : st.insert;
    if (!statement) throw new Error(`no ${r.op} statement for "${r.table}" on this shape`);
    const params =
      r.op === 'update'
        ? [...decode(r.key!), ...(st.update!.copiesFrom ? decode(r.source!) : [])]
        : [...decode(r.source!), ...(st.insert!.suffix ? [r.suffix] : [])];
    const { rows } = await db.query<WriteResult>(statement.sql, params);
    if (rows.length !== 1) throw new Error(`${r.op === 'update' ? `an update of "${r.table}" found` : `cloning the row of "${r.table}" with key ${r.source} inserted`} ${rows.length} rows${r.key ? ` for key ${r.key}` : ''}`);
    return rows[0]!;
  }

  private record(table: RehearsalTable, written: Written): void {
    const fields = table[written.side].fields;
    this.ledger.write(table.name, written.row!.key, Object.fromEntries(fields.map((f, i) => [f, written.row!.v[i] ?? null])), written.side);
  }

  /** Sends a write; the shape the client routes it to is known before it can fail, the one that wrote it after. */
  private async send(router: RecordRouter<RehearsalRequest>, trace: RequestTrace, input: RehearsalRequest): Promise<Written> {
    trace.side = router.route(input);
    const written = (await router.write(input)) as Written;
    trace.side = written.side;
    return written;
  }

  private async read(router: RecordRouter<RehearsalRequest>, trace: RequestTrace, table: RehearsalTable, keys: TableKeys): Promise<void> {
    await keys.all.with(async (key) => {
      if (key !== null) await this.readHeld(router, trace, table, key);
    });
  }

  private async update(router: RecordRouter<RehearsalRequest>, trace: RequestTrace, table: RehearsalTable, keys: TableKeys): Promise<void> {
    await keys.all.with(async (key) => {
      const source = keys.sampled.sample();
      if (key === null || source === null) return;
      const input = this.requestFor(table, 'update', key, source);
      // A shape that cannot make this write without inventing data reads the row instead.
      if (!table[router.route(input)].update) return this.readHeld(router, trace, table, key);
      try {
        this.record(table, await this.send(router, trace, input));
      } catch (error) {
        this.ledger.forget(table.name, decode(key));
        throw error;
      }
    });
  }

  private async insert(router: RecordRouter<RehearsalRequest>, trace: RequestTrace, table: RehearsalTable, keys: TableKeys): Promise<void> {
    const source = keys.sampled.sample();
    if (source === null) return;
    const input = this.requestFor(table, 'insert', null, source);
    if (!table[router.route(input)].insert) return this.read(router, trace, table, keys);
    const written = await this.send(router, trace, input);
    this.record(table, written);
    const key = JSON.stringify(written.row!.key);
    keys.all.add(key);
    keys.inserted.add(key);
  }

  private async delete(router: RecordRouter<RehearsalRequest>, trace: RequestTrace, table: RehearsalTable, keys: TableKeys): Promise<void> {
    // Only rows it inserted: other rows may have children that a delete would cascade to or trip over.
    await keys.inserted.with(async (key) => {
      if (key === null || !keys.all.hold(key)) return;
      try {
        const written = await this.send(router, trace, this.requestFor(table, 'delete', key));
        this.ledger.delete(table.name, decode(key), written.side);
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

  /** A read of a row this request holds already. */
  private async readHeld(router: RecordRouter<RehearsalRequest>, trace: RequestTrace, table: RehearsalTable, key: string): Promise<void> {
    const input = this.requestFor(table, 'read', key);
    trace.side = router.route(input);
    await router.read(input);
  }
}
