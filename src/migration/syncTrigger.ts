import { ident, literal, qualified, shortName } from '../db/sql.js';
import { ROW_IDENTITY, namedSetting } from './namedColumns.js';
import { MARKER_COLUMN, columnsNamed, filledColumns, type Assignment, type ScopeColumn, type TableSync } from './plan.js';

/**
 * The backfill computes the new columns itself, set-wise; this WHEN clause keeps the trigger from
 * even being called for its rows (a PL/pgSQL call per row would cost as much as the update).
 */
export const SKIP_DURING_BACKFILL = `current_setting('midair.backfill', true) IS DISTINCT FROM 'on'`;

/**
 * PL/pgSQL variables named as the expressions see the row, bound to the physical columns. Only
 * referenced columns get one: every initializer is an evaluation on each call, and in an
 * autocommit write each expression is also set up anew per transaction.
 */
function declare(schema: string, table: string, scope: ScopeColumn[], row: 'NEW' | 'OLD', assignments: Assignment[]): string {
  return columnsNamed(scope, assignments.map((a) => a.expression))
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
 * A row inserted with its marker set was synced already: an UPDATE that moves a row to another
 * partition inserts it there (firing BEFORE INSERT triggers), and deriving it again would rewrite
 * one shape from the other (an old value 'Solo' would come back from down(up) as 'Solo ').
 */
const ARRIVED_SYNCED = `TG_OP = 'INSERT' AND NEW.${ident(MARKER_COLUMN)} IS NOT NULL`;

/** One of the two BEFORE INSERT OR UPDATE triggers that keep a table's two shapes in sync. */
export interface SyncTrigger {
  trigger: string;
  /** midair.<name>, quoted. */
  fn: string;
  functionSql: string;
}

/**
 * The two triggers that keep both shapes of one table in sync, around the user's own BEFORE
 * triggers (triggers of one event fire in byte order of their names), which are written for the
 * old shape:
 * - first ("_midair_sync..."), a new-release write (see newReleaseWrites) gets its old columns
 *   from down(new row), so the user's triggers see the row as the old release would write it;
 * - last ("~midair_sync...", "~" sorts after letters, digits and "_"), an old-release write gets
 *   its new columns from up(old row), so what the user's triggers changed (rounding an amount,
 *   say) is what gets synced; and a new-release write whose old columns the user's triggers
 *   changed gets its new columns derived from them again.
 * The named-column notes ("_midair_named...") fire before both. Expressions see column names
 * through variables, so each is evaluated in its own shape's scope.
 */
export function syncTriggers(schema: string, migration: string, versionSchema: string, sync: TableSync): SyncTrigger[] {
  // A row not yet backfilled gets its new columns from its old values before anything else, so
  // that a new-release update of one column never derives the old shape from empty ones. An old
  // release computes every `up` column anyway, so for it only the `fill` columns need this.
  const prefill = (assignments: Assignment[], first: number) =>
    assignments.length
      ? `    IF TG_OP = 'UPDATE' AND OLD.${ident(MARKER_COLUMN)} IS NULL THEN
${block(declare(schema, sync.table, sync.oldScope, 'OLD', assignments), assign(assignments, true, first))}
    END IF;\n`
      : '';
  const newRelease = newReleaseWrites(versionSchema, sync);
  const first = `  IF ${ARRIVED_SYNCED} THEN
    RETURN NEW;
  END IF;
  IF ${newRelease} THEN
${prefill(filledColumns(sync), 0)}${inBaseSchema(schema, block(declare(schema, sync.table, sync.newScope, 'NEW', sync.down), assign(sync.down, false)), sync.down.length > 0)}
    NEW.${ident(MARKER_COLUMN)} := 'n';
  END IF;`;
  const last = `  IF ${newRelease} THEN
${rederiveAfterUserTriggers(schema, sync)}
  ELSE
${prefill(sync.fill, sync.up.length)}${oldWriter(schema, sync)}
  END IF;`;
  return [
    { trigger: shortName('_midair_sync', migration), fn: `midair.${ident(shortName('sync_new', migration, sync.table))}`, body: first },
    { trigger: shortName('~midair_sync', migration), fn: `midair.${ident(shortName('sync', migration, sync.table))}`, body: last },
  ].map(({ trigger, fn, body }) => ({
    trigger,
    fn,
    functionSql: `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $midair$
#variable_conflict use_column
DECLARE
  midair_caller_path text;
  midair_changed boolean;
BEGIN
${body}
  RETURN NEW;
END
$midair$`,
  }));
}

/** down is evaluated with the base schema first in the search_path, as the old release would write. */
function inBaseSchema(schema: string, code: string, needed: boolean): string {
  if (!needed) return '';
  return `    midair_caller_path := current_setting('search_path');
    PERFORM set_config('search_path', ${literal(ident(schema))}, true);
${code}
    PERFORM set_config('search_path', midair_caller_path, true);`;
}

/**
 * After the user's triggers, a new-release row whose old columns no longer equal down(new row)
 * was changed by them: its new columns are derived from the old ones again, and it counts as the
 * old release's ('o'), so both shapes hold what the user's triggers made of the write.
 */
function rederiveAfterUserTriggers(schema: string, sync: TableSync): string {
  if (sync.down.length === 0 || sync.up.length === 0) return '    NULL;';
  const changed = sync.down.map((a) => `NEW.${ident(a.column)} IS DISTINCT FROM (${a.expression})`).join(' OR ');
  const compare = block(declare(schema, sync.table, sync.newScope, 'NEW', sync.down), `      midair_changed := ${changed};`);
  return `${inBaseSchema(schema, compare, true)}
    IF midair_changed THEN
${block(declare(schema, sync.table, sync.oldScope, 'NEW', sync.up), assign(sync.up, false)).replace(/^/gm, '  ')}
      NEW.${ident(MARKER_COLUMN)} := 'o';
    END IF;`;
}

/**
 * Which release writes. The new release's clients have the version schema in their search_path;
 * a client that names the views by their qualified name does not, but it sets columns that only
 * the new shape has, which an old release cannot even name: an UPDATE that changes one, or an
 * INSERT that gives one a value other than what an old-release insert leaves there.
 */
function newReleaseWrites(versionSchema: string, sync: TableSync): string {
  const changed = sync.newOnly.map((c) => `NEW.${ident(c.physical)} IS DISTINCT FROM OLD.${ident(c.physical)}`);
  const given = sync.newOnly.flatMap((c) => (c.insertValue === undefined ? [] : [`NEW.${ident(c.physical)} IS DISTINCT FROM (${c.insertValue})`]));
  return [
    `${literal(versionSchema)} = ANY (current_schemas(false))`,
    ...(changed.length ? [`(TG_OP = 'UPDATE' AND (${changed.join(' OR ')}))`] : []),
    ...(given.length ? [`(TG_OP = 'INSERT' AND NEW.${ident(MARKER_COLUMN)} IS NULL AND (${given.join(' OR ')}))`] : []),
  ].join('\n     OR ');
}

/**
 * An old-release write derives the new columns from the old ones. An INSERT, or an UPDATE of a row
 * the new release did not write last, derives every one of them. An UPDATE of a row the new release
 * wrote re-derives only the columns whose `up` reads a column it changed: a value the new release
 * wrote survives old-release updates of anything else. The row counts as the old release's ('o',
 * verified as new = up(old)) only when every new column was derived from the old ones.
 */
function oldWriter(schema: string, sync: TableSync): string {
  const marker = `NEW.${ident(MARKER_COLUMN)} := 'o';`;
  const whole = `TG_OP = 'INSERT' OR OLD.${ident(MARKER_COLUMN)} IS DISTINCT FROM 'n'`;
  if (sync.up.length === 0) return `    IF NOT (${ARRIVED_SYNCED}) THEN ${marker} END IF;`;
  const changes = sync.up.map((a) => {
    const deps = columnsNamed(sync.oldScope, [a.expression]).map((c) => `NEW.${ident(c.physical)} IS DISTINCT FROM OLD.${ident(c.physical)}`);
    return deps.length ? `(${deps.join(' OR ')})` : 'false';
  });
  const declarations = declare(schema, sync.table, sync.oldScope, 'NEW', sync.up);
  const some = sync.up
    .map((a, i) => `      IF ${changes[i]} THEN NEW.${ident(a.column)} := (${a.expression}); END IF;`)
    .join('\n');
  return `    IF ${ARRIVED_SYNCED} THEN
      NULL;
    ELSIF ${whole} THEN
${block(declarations, assign(sync.up, false)).replace(/^/gm, '  ')}
      ${marker}
    ELSIF ${changes.filter((c) => c !== 'false').join(' OR ') || 'false'} THEN
${block(declarations, some).replace(/^/gm, '  ')}
      IF ${changes.join(' AND ')} THEN ${marker} END IF;
    END IF;`;
}
