import type pg from 'pg';

export interface Footprint {
  seconds: number;
  walBytes: number;
  sizeBefore: number;
  sizeAfter: number;
}

async function walLsn(db: pg.Client): Promise<string> {
  const { rows } = await db.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return rows[0]!.lsn;
}

async function totalSize(db: pg.Client): Promise<number> {
  const { rows } = await db.query<{ bytes: string }>(`SELECT pg_total_relation_size('users') AS bytes`);
  return Number(rows[0]!.bytes);
}

/** Times a method and measures what it cost the server: WAL written and the table's growth. */
export async function measure(db: pg.Client, run: () => Promise<void>): Promise<Footprint> {
  const sizeBefore = await totalSize(db);
  const lsn = await walLsn(db);
  const started = performance.now();
  await run();
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await db.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS bytes', [lsn]);
  return { seconds, walBytes: Number(rows[0]!.bytes), sizeBefore, sizeAfter: await totalSize(db) };
}
