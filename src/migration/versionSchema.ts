import { ident, literal, qualified } from '../db/sql.js';
import { lazyViewSteps, selectList } from './lazyView.js';
import type { Plan, Step, ViewTable } from './plan.js';

/**
 * The search_path of the new release, the one value every message and `midair latest` print: the
 * version schemas, then the base schema, so its other tables, functions and types keep resolving.
 * No space after the commas, so the value survives PGOPTIONS, which splits on spaces.
 */
export function searchPathOf(versionSchemas: string[], schema: string): string {
  return [...versionSchemas, schema].join(',');
}

/** The views' options: they run with the caller's rights where the server can (see createVersionSchema). */
export function viewOptions(securityInvoker: boolean): string {
  return securityInvoker ? ' WITH (security_invoker = true)' : '';
}

/**
 * One view per table of the new shape, each column under its new name. A plain view reads its
 * tables with its owner's rights, so row-level security policies would not apply to the caller:
 * the views run with the caller's rights (security_invoker, PostgreSQL 15 and later), and so
 * privileges and policies hold alike through the plain tables and through the new shape.
 */
export function createVersionSchema(plan: Plan, securityInvoker: boolean): Step[] {
  const { schema, versionSchema, views } = plan;
  const steps: Step[] = [{ sql: `CREATE SCHEMA ${ident(versionSchema)}`, lock: 'none' }];
  for (const view of views) {
    steps.push({ sql: `CREATE VIEW ${ident(versionSchema)}.${ident(view.name)}${viewOptions(securityInvoker)} AS SELECT ${selectList(view)} FROM ${qualified(schema, view.physical)}`, lock: 'ACCESS SHARE' });
    if (view.lazy) steps.push(...lazyViewSteps(schema, versionSchema, plan.migration, view));
  }
  // The new release reaches unchanged tables through the base schema, next in its search_path; a
  // table the new shape no longer has would show through there, so a view of the same name hides
  // it: reading it fails as if it did not exist, and nothing can be written through it.
  for (const name of plan.hidden) {
    const reason = `migration "${plan.migration}" drops or renames it`;
    steps.push({ sql: `CREATE VIEW ${ident(versionSchema)}.${ident(name)} AS SELECT NULL::integer AS gone WHERE midair.relation_gone(${literal(name)}, ${literal(reason)})`, lock: 'none' });
  }
  steps.push({ sql: grantsLikeBase(schema, versionSchema, views), lock: 'none' });
  return steps;
}

/**
 * The application's roles get on the version schema what they have on the base schema and tables.
 * Without USAGE a role's search_path silently skips the version schema: its writes would reach
 * the base tables and count as the old release's.
 */
function grantsLikeBase(schema: string, versionSchema: string, views: ViewTable[]): string {
  const pairs = views.map((v) => `(${literal(v.name)}, ${literal(v.physical)})`).join(', ');
  const grantee = `CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END`;
  return `DO $midair$
DECLARE r record;
BEGIN
  FOR r IN SELECT ${grantee} AS role FROM pg_namespace n, aclexplode(n.nspacl) a
            WHERE n.nspname = ${literal(schema)} AND a.privilege_type = 'USAGE' AND a.grantee <> n.nspowner LOOP
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO %s', ${literal(versionSchema)}, r.role);
  END LOOP;${pairs ? `
  FOR r IN SELECT v.view, a.privilege_type, ${grantee} AS role
             FROM (VALUES ${pairs}) AS v(view, base)
             JOIN pg_class c ON c.relname = v.base AND c.relnamespace = ${literal(ident(schema))}::regnamespace,
                  aclexplode(c.relacl) a
            WHERE a.grantee <> c.relowner AND a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE', 'REFERENCES', 'TRIGGER') LOOP
    EXECUTE format('GRANT %s ON %I.%I TO %s', r.privilege_type, ${literal(versionSchema)}, r.view, r.role);
  END LOOP;` : ''}
END
$midair$`;
}

/**
 * Removes only what Midair created: the views (`olderViews`: those an earlier Midair made of every
 * table, not just the changed ones), then the schema without CASCADE, so a table an
 * application created there by mistake stops the step with PostgreSQL's list of what depends on it
 * instead of being dropped with its rows.
 */
export function dropVersionSchema(plan: Plan, olderViews: string[] = []): Step[] {
  const { versionSchema } = plan;
  const names = [...new Set([...plan.views.map((v) => v.name), ...plan.hidden, ...olderViews])];
  return [
    ...names.map((name) => ({ sql: `DROP VIEW IF EXISTS ${ident(versionSchema)}.${ident(name)}`, lock: 'none on tables' })),
    { sql: `DROP SCHEMA IF EXISTS ${ident(versionSchema)}`, lock: 'none on tables' },
  ];
}
