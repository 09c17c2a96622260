import { ident, literal, qualified, shortName } from '../db/sql.js';
import { ROW_IDENTITY, namedSetting } from './namedColumns.js';
import { MARKER_COLUMN, filledColumns, type Assignment, type ScopeColumn, type TableSync } from './plan.js';

export function syncFunctionName(migration: string, table: string): string {
  return shortName('sync', migration, table);
}

/**
 * The backfill computes the new columns itself, set-wise; this WHEN clause keeps the trigger from
 * even being called for its rows (a PL/pgSQL call per row would cost as much as the update).
 */
export const SKIP_DURING_BACKFILL = `current_setting('midair.backfill', true) IS DISTINCT FROM 'on'`;

export function syncTriggerName(migration: string): string {
  return shortName('_midair_sync', migration);
}

/**
 * The columns of a scope whose names occur in the expressions. A textual match errs on the side of
 * too many (a name inside a longer word counts), never too few for plain column references. A
 * name holding a double quote can only be written quoted, with that quote doubled.
 */
function referenced(scope: ScopeColumn[], assignments: Assignment[]): ScopeColumn[] {
  const text = assignments.map((a) => a.expression.toLowerCase()).join('\n');
  return scope.filter((c) => text.includes(c.name.replaceAll('"', '""').toLowerCase()));
}

/**
 * PL/pgSQL variables named as the expressions see the row, bound to the physical columns. Only
 * referenced columns get one: every initializer is an evaluation on each call, and in an
 * autocommit write each expression is also set up anew per transaction.
 */
function declare(schema: string, table: string, scope: ScopeColumn[], row: 'NEW' | 'OLD', assignments: Assignment[]): string {
  return referenced(scope, assignments)
    .map((c) => `    ${ident(c.name)} ${qualified(schema, table)}.${ident(c.physical)}%TYPE := ${row}.${ident(c.physical)};`)
    .join('\n');
}

/**
 * With onlyUntouched, a column the UPDATE names (see namedColumns.ts) or changes keeps its new
 * value; `first` is the first assignment's number among the table's filled columns.
 */
function assign(assignments: Assignment[], onlyUntouched: boolean, first = 0): string {
  return assignments
    .map((a, i) => {
      const set = `NEW.${ident(a.column)} := (${a.expression});`;
      if (!onlyUntouched) return `      ${set}`;
      const named = `current_setting(${literal(namedSetting(first + i))}, true) IS NOT DISTINCT FROM ${ROW_IDENTITY}`;
      return `      IF NEW.${ident(a.column)} IS NOT DISTINCT FROM OLD.${ident(a.column)} AND NOT (${named}) THEN ${set} END IF;`;
    })
    .join('\n');
}

function block(declarations: string, body: string): string {
  return `${declarations ? `    DECLARE\n${declarations}\n` : ''}    BEGIN\n${body}\n    END;`;
}

/**
 * The BEFORE INSERT OR UPDATE trigger that keeps both shapes of one table in sync. A writer whose
 * search_path holds the version schema is the new release: the old columns get down(new row).
 * Any other writer is an old release: the new columns get up(old row). Expressions see column
 * names through variables, so each is evaluated in its own shape's scope.
 */
export function syncFunctionSql(schema: string, migration: string, versionSchema: string, sync: TableSync): string {
  // A row not yet backfilled gets its new columns from its old values before anything else, so
  // that a new-release update of one column never derives the old shape from empty ones. An old
  // release computes every `up` column anyway, so for it only the `fill` columns need this.
  const prefill = (assignments: Assignment[], first: number) =>
    assignments.length
      ? `    IF TG_OP = 'UPDATE' AND OLD.${ident(MARKER_COLUMN)} IS NULL THEN
${block(declare(schema, sync.table, sync.oldScope, 'OLD', assignments), assign(assignments, true, first))}
    END IF;\n`
      : '';
  const newWriter = prefill(filledColumns(sync), 0) + (sync.down.length
    ? `    midair_caller_path := current_setting('search_path');
    PERFORM set_config('search_path', ${literal(ident(schema))}, true);
${block(declare(schema, sync.table, sync.newScope, 'NEW', sync.down), assign(sync.down, false))}
    PERFORM set_config('search_path', midair_caller_path, true);
    NEW.${ident(MARKER_COLUMN)} := 'n';`
    : `    NEW.${ident(MARKER_COLUMN)} := 'n';`);
  // An old-release UPDATE re-derives the new columns only when it changes what they derive from
  // (or a column the new release derives), or when the row is not the new release's: a value the
  // new release wrote into a new column survives old-release updates of unrelated columns.
  const marker = `NEW.${ident(MARKER_COLUMN)} := 'o';`;
  const deps = [...new Set([...referenced(sync.oldScope, sync.up).map((c) => c.physical), ...sync.down.map((d) => d.column)])];
  const rederive = [`TG_OP = 'INSERT'`, `OLD.${ident(MARKER_COLUMN)} IS DISTINCT FROM 'n'`, ...deps.map((c) => `NEW.${ident(c)} IS DISTINCT FROM OLD.${ident(c)}`)].join(' OR ');
  const derive = sync.up.length ? `${block(declare(schema, sync.table, sync.oldScope, 'NEW', sync.up), assign(sync.up, false))}\n    ${marker}` : `    ${marker}`;
  const oldWriter = `${prefill(sync.fill, sync.up.length)}    IF ${rederive} THEN\n${derive.replace(/^/gm, '  ')}\n    END IF;`;
  const body = `  IF ${literal(versionSchema)} = ANY (current_schemas(false)) THEN
${newWriter}
  ELSE
${oldWriter}
  END IF;`;
  return `CREATE OR REPLACE FUNCTION midair.${ident(syncFunctionName(migration, sync.table))}() RETURNS trigger LANGUAGE plpgsql AS $midair$
#variable_conflict use_column
DECLARE
  midair_caller_path text;
BEGIN
${body}
  RETURN NEW;
END
$midair$`;
}
