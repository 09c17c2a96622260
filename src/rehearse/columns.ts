import type { Queryable } from '../db/executor.js';

/** What the simulated workload must know about a physical column to write it safely. */
export interface ColumnFacts {
  type: string;
  /** GENERATED ... STORED, or an identity column that refuses values (GENERATED ALWAYS). */
  readOnly: boolean;
  /** A default or identity supplies a value when an INSERT leaves it out. */
  hasDefault: boolean;
  /** Covered by a unique index: copying its value into another row would violate it. */
  unique: boolean;
}

/** Per table, per physical column, as the catalog says now (new columns appear after start). */
export type SchemaFacts = Map<string, Map<string, ColumnFacts>>;

export async function readColumnFacts(db: Queryable, schema: string): Promise<SchemaFacts> {
  const rows = await db.query<{ table_name: string; name: string; type: string; read_only: boolean; has_default: boolean; is_unique: boolean }>(
    `SELECT c.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            (a.attgenerated <> '' OR a.attidentity = 'a') AS read_only,
            (a.atthasdef OR a.attidentity <> '') AS has_default,
            EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique AND a.attnum = ANY (i.indkey::int2[])) AS is_unique
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')`,
    [schema],
  );
  const facts: SchemaFacts = new Map();
  for (const r of rows) {
    if (!facts.has(r.table_name)) facts.set(r.table_name, new Map());
    facts.get(r.table_name)!.set(r.name, { type: r.type, readOnly: r.read_only, hasDefault: r.has_default, unique: r.is_unique });
  }
  return facts;
}
