import { ident, literal, qualified, shortName } from '../db/sql.js';
import { MARKER_COLUMN, type Assignment, type ScopeColumn, type TableSync } from './plan.js';

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

/** PL/pgSQL variables named as an expression sees the row, bound to the physical columns. */
function declare(schema: string, table: string, scope: ScopeColumn[], row: 'NEW' | 'OLD'): string {
  return scope
    .map((c) => `    ${ident(c.name)} ${qualified(schema, table)}.${ident(c.physical)}%TYPE := ${row}.${ident(c.physical)};`)
    .join('\n');
}

function assign(assignments: Assignment[], onlyUntouched: boolean): string {
  return assignments
    .map((a) => {
      const set = `NEW.${ident(a.column)} := (${a.expression});`;
      return onlyUntouched ? `      IF NEW.${ident(a.column)} IS NOT DISTINCT FROM OLD.${ident(a.column)} THEN ${set} END IF;` : `      ${set}`;
    })
    .join('\n');
}

function block(declarations: string, body: string): string {
  return `    DECLARE\n${declarations}\n    BEGIN\n${body}\n    END;`;
}

/**
 * The BEFORE INSERT OR UPDATE trigger that keeps both shapes of one table in sync. A writer whose
 * search_path holds the version schema is the new release: the old columns get down(new row).
 * Any other writer is an old release: the new columns get up(old row). Expressions see column
 * names through variables, so each is evaluated in its own shape's scope.
 */
export function syncFunctionSql(schema: string, migration: string, versionSchema: string, sync: TableSync): string {
  const unsyncedRowsExist = sync.up.length + sync.fill.length > 0;
  const parts: string[] = [];
  if (unsyncedRowsExist) {
    // A row not yet backfilled gets its new columns from its old values before anything else,
    // so that a new-release update of one column never derives the old shape from empty ones.
    parts.push(`  IF TG_OP = 'UPDATE' AND OLD.${ident(MARKER_COLUMN)} IS NULL THEN
${block(declare(schema, sync.table, sync.oldScope, 'OLD'), assign([...sync.up, ...sync.fill], true))}
  END IF;`);
  }
  const newWriter = sync.down.length
    ? `    PERFORM set_config('search_path', ${literal(ident(schema))}, true);
${block(declare(schema, sync.table, sync.newScope, 'NEW'), assign(sync.down, false))}
    PERFORM set_config('search_path', midair_caller_path, true);
    NEW.${ident(MARKER_COLUMN)} := 'n';`
    : `    NEW.${ident(MARKER_COLUMN)} := 'n';`;
  const oldWriter = `${sync.up.length ? block(declare(schema, sync.table, sync.oldScope, 'NEW'), assign(sync.up, false)) + '\n' : ''}    NEW.${ident(MARKER_COLUMN)} := 'o';`;
  parts.push(`  IF ${literal(versionSchema)} = ANY (current_schemas(false)) THEN
${newWriter}
  ELSE
${oldWriter}
  END IF;`);
  return `CREATE OR REPLACE FUNCTION midair.${ident(syncFunctionName(migration, sync.table))}() RETURNS trigger LANGUAGE plpgsql AS $midair$
#variable_conflict use_column
DECLARE
  midair_caller_path text := current_setting('search_path');
BEGIN
${parts.join('\n')}
  RETURN NEW;
END
$midair$`;
}
