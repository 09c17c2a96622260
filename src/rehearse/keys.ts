import type { Queryable } from '../db/executor.js';
import { ident, qualified } from '../db/sql.js';

const SAMPLE = 5000;

/** Up to 5,000 keys of a table, at random, each as JSON of its key values as text; and the table's row count. */
export async function sampleKeys(db: Queryable, schema: string, table: string, key: string[]): Promise<{ keys: string[]; rows: number }> {
  const t = qualified(schema, table);
  const [count] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`);
  const rows = Number(count?.n ?? 0);
  // On a big table a block sample keeps this from sorting every row.
  const from = rows > 50 * SAMPLE ? `${t} TABLESAMPLE SYSTEM (${Math.min(100, (100 * 4 * SAMPLE) / rows)})` : t;
  const sampled = await db.query<{ key: string[] }>(`SELECT ARRAY[${key.map((k) => `${ident(k)}::text`).join(', ')}] AS key FROM ${from} ORDER BY random() LIMIT ${SAMPLE}`);
  return { keys: sampled.map((r) => JSON.stringify(r.key)), rows };
}
