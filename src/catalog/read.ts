import type { Queryable } from '../db/executor.js';

export interface CatalogColumn {
  name: string;
  type: string;
  nullable: boolean;
  default: string | null;
}

/** An index over plain columns (expression and partial indexes are not carried over by Midair). */
export interface CatalogIndex {
  name: string;
  columns: string[];
  unique: boolean;
  /** Backs a UNIQUE constraint of the same name. */
  constraint: boolean;
  method: string;
}

export interface CatalogTable {
  name: string;
  columns: CatalogColumn[];
  indexes: CatalogIndex[];
  /** Primary key, or else the first unique index over NOT NULL columns: what backfill and verify walk. */
  key: string[];
}

/** The tables of one schema, as they are before a migration starts (stored with the migration). */
export interface Catalog {
  schema: string;
  tables: CatalogTable[];
  /** Every relation name in the schema (tables, indexes, views, sequences): one namespace. */
  relations?: string[];
  /** The migration's expressions the server found volatile (set by the checks before start). */
  volatile?: VolatileExpression[];
}

/** An up, down or default whose value changes between evaluations over the same row. */
export interface VolatileExpression {
  expression: string;
  /** What makes it so, e.g. "random()", "CURRENT_TIMESTAMP". */
  because: string[];
}

export async function readCatalog(db: Queryable, schema: string): Promise<Catalog> {
  const columns = await db.query<{ table_name: string; name: string; type: string; nullable: boolean; default: string | null }>(
    `SELECT c.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
      ORDER BY c.relname, a.attnum`,
    [schema],
  );
  const keys = await db.query<{ table_name: string; columns: string[] }>(
    `SELECT DISTINCT ON (c.relname) c.relname AS table_name,
            array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
        AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey) k(attnum)
                          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum WHERE NOT a.attnotnull)
      ORDER BY c.relname, i.indisprimary DESC, i.indnatts, i.indexrelid`,
    [schema],
  );
  const indexes = await db.query<CatalogIndex & { table_name: string }>(
    `SELECT c.relname AS table_name, ic.relname AS name, i.indisunique AS unique, am.amname AS method,
            EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype = 'u') AS constraint,
            array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_am am ON am.oid = ic.relam
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT i.indisprimary AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
      ORDER BY c.relname, ic.relname`,
    [schema],
  );
  const keyOf = new Map(keys.map((k) => [k.table_name, k.columns]));
  const tables = new Map<string, CatalogTable>();
  for (const c of columns) {
    let table = tables.get(c.table_name);
    if (!table) {
      table = {
        name: c.table_name,
        columns: [],
        key: keyOf.get(c.table_name) ?? [],
        indexes: indexes.filter((i) => i.table_name === c.table_name).map(({ table_name: _, ...index }) => index),
      };
      tables.set(c.table_name, table);
    }
    table.columns.push({ name: c.name, type: c.type, nullable: c.nullable, default: c.default });
  }
  const relations = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1`,
    [schema],
  );
  return { schema, tables: [...tables.values()], relations: relations.map((r) => r.name) };
}
