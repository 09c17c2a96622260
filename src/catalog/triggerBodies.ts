import type { Catalog } from './read.js';
import type { Queryable } from '../db/executor.js';
import { namesIn } from '../db/sqlTokens.js';
import type { ViewTable } from '../migration/plan.js';

/** A user's trigger function whose body names a column that is gone after contract. */
export interface StaleTriggerBody {
  trigger: string;
  table: string;
  function: string;
  column: string;
}

/** Columns of existing tables whose name no longer exists after contract: dropped, or renamed away. */
function goneColumns(catalog: Catalog, views: ViewTable[]): { table: string; column: string }[] {
  return catalog.tables.flatMap((t) => {
    const view = views.find((v) => v.physical === t.name);
    if (!view) return [];
    return t.columns.filter((c) => !view.columns.some((v) => v.name === c.name)).map((c) => ({ table: t.name, column: c.name }));
  });
}

/**
 * PostgreSQL does not track which columns a PL/pgSQL body names, so a trigger function that
 * names a column the migration drops or renames keeps working until contract and then fails on
 * every write of its table. Its source is read for the name (as a token, not inside a string).
 */
export async function staleTriggerBodies(db: Queryable, catalog: Catalog, views: ViewTable[]): Promise<StaleTriggerBody[]> {
  const gone = goneColumns(catalog, views);
  if (gone.length === 0) return [];
  const tables = [...new Set(gone.map((g) => g.table))];
  const triggers = await db.query<{ trigger: string; table: string; function: string; source: string }>(
    `SELECT t.tgname AS trigger, c.relname AS table, p.oid::regprocedure::text AS function, p.prosrc AS source
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_proc p ON p.oid = t.tgfoid JOIN pg_language l ON l.oid = p.prolang
      WHERE n.nspname = $1 AND c.relname = ANY ($2) AND NOT t.tgisinternal AND l.lanname = 'plpgsql'
        AND p.pronamespace <> 'midair'::regnamespace
      ORDER BY 2, 1`,
    [catalog.schema, tables],
  );
  return triggers.flatMap((t) => {
    const names = namesIn(t.source);
    return gone.filter((g) => g.table === t.table && names.has(g.column)).map((g) => ({ trigger: t.trigger, table: t.table, function: t.function, column: g.column }));
  });
}
