import { expect } from 'vitest';
import pg from 'pg';
import { createMidair } from '../../src/index.js';
import type { Migration } from '../../src/migration/types.js';
import { freshDatabase } from './databases.js';
import { ReleaseClients } from './releaseClients.js';
import { WriteLoop } from './writeLoop.js';

/** Where one release writes: its table and value column names (they differ when the migration renames). */
export interface WrittenColumn {
  table: string;
  column: string;
}

/**
 * One migration run on real PostgreSQL while an old-release and a new-release client write the
 * same table without pause. The table holds rows keyed `id` = 1..rows (integer) before start; each
 * client updates its own half of them and inserts rows with keys of its own.
 */
export interface UnderWritesCase {
  label: string;
  /** Creates the table with rows id = 1..rows (and anything else the migration needs). */
  setup: string;
  rows: number;
  migration: Migration;
  old: WrittenColumn;
  next: WrittenColumn;
  /** The value the i-th write of a release puts in its column, as text (the server casts it); default String(i). */
  value?: (i: number, release: 'old' | 'new') => string;
  /** What the final table's column holds (as text) for a value a release wrote; default the same text. */
  expected?: (written: string, release: 'old' | 'new') => string;
  /** Columns other than id and the value that an INSERT of the given release must set: name → SQL text. */
  insertExtra?: (release: 'old' | 'new') => Record<string, string>;
}

const WRITES_PER_STAGE = 30;

function writer(client: pg.Client, c: UnderWritesCase, release: 'old' | 'new', ledger: Map<number, string>): WriteLoop {
  const where = release === 'old' ? c.old : c.next;
  const extra = c.insertExtra?.(release) ?? {};
  const columns = ['id', where.column, ...Object.keys(extra)].map((n) => `"${n}"`).join(', ');
  const values = ['$1', '$2', ...Object.values(extra)].join(', ');
  // Updates of the release's own half of the rows, and inserts of keys only it uses.
  const half = Math.floor(c.rows / 2);
  const firstKey = release === 'old' ? 1 : half + 1;
  const insertBase = release === 'old' ? 1_000_000 : 2_000_000;
  return new WriteLoop(async (i) => {
    const written = c.value?.(i, release) ?? String(i);
    const result = i % 3 === 2
      ? await client.query(`INSERT INTO "${where.table}" (${columns}) VALUES (${values})`, [insertBase + i, written])
      : await client.query(`UPDATE "${where.table}" SET "${where.column}" = $2 WHERE id = $1`, [firstKey + (i % half), written]);
    if (result.rowCount !== 1) return false;
    ledger.set(i % 3 === 2 ? insertBase + i : firstKey + (i % half), c.expected?.(written, release) ?? written);
    return true;
  });
}

async function rowsOf(client: pg.Client, where: WrittenColumn): Promise<Map<number, string | null>> {
  const { rows } = await client.query<{ id: number; v: string | null }>(`SELECT id::int AS id, "${where.column}"::text AS v FROM "${where.table}"`);
  return new Map(rows.map((r) => [r.id, r.v]));
}

/**
 * start → backfill → verify → complete (or start → rollback) with both releases writing through
 * every stage; afterwards every acknowledged write is in the table, none was lost or changed.
 * `after` gets a client on the database for further checks of the final schema.
 */
export async function runUnderWrites(c: UnderWritesCase, end: 'complete' | 'rollback', after?: (db: pg.Client) => Promise<void>): Promise<void> {
  const database = await freshDatabase(c.label);
  const clients = new ReleaseClients(() => database.url);
  const client = (searchPath?: string) => clients.connect(searchPath);
  const midair = await createMidair({ database: database.url });
  try {
    const admin = await client();
    await admin.query(c.setup);
    const ledger = new Map<number, string>();
    const oldWriter = writer(await client(), c, 'old', ledger);
    oldWriter.start();
    await midair.start(c.migration);
    const newWriter = writer(await client(await midair.latestSearchPath()), c, 'new', ledger);
    newWriter.start();
    // The old release is gone before complete (its columns may go), the new one before rollback
    // (its version schema goes); each stops after more acknowledged writes, so some surely landed
    // after the stage it writes in was reached.
    let final: WrittenColumn;
    if (end === 'complete') {
      await midair.backfill();
      await oldWriter.stop(WRITES_PER_STAGE);
      expect(await midair.verify()).toMatchObject({ mismatches: 0, unsynced: 0 });
      await midair.complete();
      await newWriter.stop(WRITES_PER_STAGE);
      final = c.next;
    } else {
      await newWriter.stop(WRITES_PER_STAGE);
      await midair.rollback();
      await oldWriter.stop(WRITES_PER_STAGE);
      final = c.old;
    }
    const actual = await rowsOf(admin, final);
    const lost = [...ledger].filter(([id, value]) => actual.get(id) !== value).slice(0, 5).map(([id, value]) => ({ id, wrote: value, found: actual.get(id) }));
    expect(lost).toEqual([]);
    expect(ledger.size).toBeGreaterThan(2 * WRITES_PER_STAGE);
    await after?.(admin);
  } finally {
    await midair.close();
    await clients.endAll();
    await database.drop();
  }
}
