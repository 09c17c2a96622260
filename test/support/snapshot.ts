import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Queryable } from '../../src/db/executor.js';

/** The schema of a database, to compare before start and after rollback. */
export interface Snapshot {
  /** One sorted line per schema object (both drivers), midair's control schema included. */
  catalog: string[];
  /** `pg_dump --schema-only`, without the control schema (real server only). */
  dump: string | null;
}

const USER_SCHEMA = `n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'`;

/**
 * Schemas, relations (and their replica identity), columns (position, type, NOT NULL, default), constraints, indexes,
 * triggers, views, functions and user types of every user schema, as sorted text lines.
 */
const CATALOG_SQL = `
SELECT line FROM (
  SELECT 'schema ' || n.nspname AS line FROM pg_namespace n WHERE ${USER_SCHEMA}
  UNION ALL
  SELECT format('relation %s.%s kind=%s replica identity=%s', n.nspname, c.relname, c.relkind, c.relreplident)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMA} AND c.relkind <> 't'
  UNION ALL
  SELECT format('column %s.%s #%s %s %s%s%s', n.nspname, c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
                CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), ''))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
   WHERE ${USER_SCHEMA} AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm')
  UNION ALL
  SELECT format('constraint %s.%s.%s %s', n.nspname, c.relname, con.conname, pg_get_constraintdef(con.oid))
    FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMA}
  UNION ALL
  SELECT format('index %s valid=%s replica identity=%s', pg_get_indexdef(i.indexrelid), i.indisvalid, i.indisreplident)
    FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMA}
  UNION ALL
  SELECT format('trigger %s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled)
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE ${USER_SCHEMA} AND NOT t.tgisinternal
  UNION ALL
  SELECT format('view %s.%s %s', n.nspname, c.relname, pg_get_viewdef(c.oid))
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_SCHEMA} AND c.relkind = 'v'
  UNION ALL
  SELECT format('function %s.%s(%s) %s', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), md5(p.prosrc))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${USER_SCHEMA}
  UNION ALL
  SELECT format('type %s.%s kind=%s', n.nspname, t.typname, t.typtype)
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${USER_SCHEMA} AND t.typtype IN ('e', 'd', 'r')
) AS lines ORDER BY line COLLATE "C"`;

export async function catalogSnapshot(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ line: string }>(CATALOG_SQL);
  return rows.map((r) => r.line);
}

export async function schemaDump(url: string): Promise<string> {
  const { stdout } = await promisify(execFile)('pg_dump', ['--schema-only', '--no-owner', '--restrict-key=midair', '-N', 'midair', url], { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}
