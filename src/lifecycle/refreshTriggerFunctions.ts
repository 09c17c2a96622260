import type { Queryable } from '../db/executor.js';
import type { Context } from './context.js';

/**
 * A session that ran a PL/pgSQL trigger function keeps it compiled, with plans typed for the
 * table's columns as they were; once contract (or rollback) swaps a column for one of another type,
 * every later write of that session fails ("type of parameter N does not match that when preparing
 * the plan"). PL/pgSQL recompiles a function when its pg_proc row has changed, so touching the row
 * in the contract transaction makes every session recompile on its next call. `ALTER FUNCTION ...
 * COST <its own cost>` rewrites the row and changes nothing else: owner, grants, SECURITY DEFINER,
 * settings and body stay exactly as they are.
 *
 * Returns the functions that could not be touched (Midair's role is not a member of their owner):
 * sessions that ran them must reconnect.
 */
export async function refreshTriggerFunctions(tx: Queryable, schema: string, tables: string[]): Promise<string[]> {
  if (tables.length === 0) return [];
  const functions = await tx.query<{ signature: string; cost: string; owned: boolean }>(
    `SELECT DISTINCT p.oid::regprocedure::text AS signature, p.procost::text AS cost, pg_has_role(p.proowner, 'USAGE') AS owned
       FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_proc p ON p.oid = t.tgfoid
       JOIN pg_language l ON l.oid = p.prolang
       JOIN pg_namespace pn ON pn.oid = p.pronamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND NOT t.tgisinternal
        AND l.lanname = 'plpgsql' AND pn.nspname <> 'midair'
      ORDER BY 1`,
    [schema, tables],
  );
  for (const f of functions) if (f.owned) await tx.exec(`ALTER FUNCTION ${f.signature} COST ${f.cost}`);
  return functions.filter((f) => !f.owned).map((f) => f.signature);
}

export function warnStale(ctx: Context, stale: string[]): void {
  if (stale.length === 0) return;
  ctx.report.warn(
    `trigger function(s) ${stale.join(', ')} belong to a role Midair's role is not a member of, so they could not be refreshed: ` +
      'sessions that ran them before may fail their next writes until they reconnect (grant Midair membership in the owner role to avoid this)',
  );
}
