import { ident, literal, qualified, shortName } from '../db/sql.js';
import { MARKER_COLUMN, type LazyView, type ScopeColumn, type Step, type ViewTable } from './plan.js';

/**
 * What the new shape shows for a column: the stored value, or for a row not migrated yet its
 * `up` over the old columns, cast to the column's type so that the view's column types are those
 * of the plain view complete puts in its place. `row` qualifies the columns (inside UPDATE/RETURNING).
 */
export function readExpression(lazy: LazyView | undefined, column: ScopeColumn, row = ''): string {
  const physical = `${row}${ident(column.physical)}`;
  const up = lazy?.upcast.find((u) => u.column === column.physical);
  if (!up) return physical;
  return `CASE WHEN ${row}${ident(MARKER_COLUMN)} IS NULL THEN CAST((${up.expression}) AS ${column.type}) ELSE ${physical} END`;
}

/** The view's select list: each column under its new-shape name. */
export function selectList(view: ViewTable): string {
  return view.columns
    .map((c) => {
      const read = readExpression(view.lazy, c);
      return read === ident(c.name) ? read : `${read} AS ${ident(c.name)}`;
    })
    .join(', ');
}

export function lazyWriteFunction(migration: string, view: ViewTable): string {
  return `midair.${ident(shortName('lazy_write', migration, view.physical))}`;
}

const TRIGGER = 'midair_lazy_write';

function viewOf(versionSchema: string, view: ViewTable): string {
  return qualified(versionSchema, view.name);
}

/**
 * The view's columns take the table's defaults (an identity column its sequence): an INSTEAD OF
 * INSERT trigger sees NULL for every column the INSERT leaves out, and would write it so. Read
 * from the table at expand, so defaults set by this migration's own operations are included.
 */
function copyDefaults(schema: string, versionSchema: string, view: ViewTable): string {
  const pairs = view.columns.map((c) => `(${literal(c.name)}, ${literal(c.physical)})`).join(', ');
  const table = literal(qualified(schema, view.physical));
  return `DO $midair$
DECLARE r record;
BEGIN
  FOR r IN SELECT v.name, CASE WHEN a.attidentity <> '' THEN format('nextval(%L::regclass)', pg_get_serial_sequence(${table}, a.attname))
                               ELSE pg_get_expr(d.adbin, d.adrelid) END AS expression
             FROM (VALUES ${pairs}) AS v(name, physical)
             JOIN pg_attribute a ON a.attrelid = ${table}::regclass AND a.attname = v.physical
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attgenerated = '' AND (a.attidentity <> '' OR d.adbin IS NOT NULL) LOOP
    EXECUTE format('ALTER VIEW %s ALTER COLUMN %I SET DEFAULT %s', ${literal(viewOf(versionSchema, view))}, r.name, r.expression);
  END LOOP;
END
$midair$`;
}

/**
 * The INSTEAD OF trigger's function. Writes run as the caller (SECURITY INVOKER, so privileges and
 * row-level security apply as to a write of the table itself) with the version schema first in the
 * search_path, so the sync triggers count them as the new release's whatever the caller's path:
 * they derive the old columns by down and mark the row 'n', as for a plain view.
 * - INSERT writes every column (the view's defaults stand in for those left out).
 * - UPDATE sets only the columns whose value changed, by key, as a plain view's UPDATE would: a
 *   concurrent write of other columns is not overwritten with what this one read, and the sync
 *   trigger fills an unmigrated row's other new columns from its old ones. An UPDATE that changes
 *   nothing still writes the row (it sets the marker to itself), so it migrates it.
 * - DELETE deletes by key.
 * RETURNING gets the row as the view shows it after the write.
 */
function writeFunctionSql(schema: string, versionSchema: string, migration: string, view: ViewTable): string {
  const lazy = view.lazy!;
  const table = qualified(schema, view.physical);
  const byKey = (row: string) =>
    lazy.key.map((k) => `t.${ident(k)} = ${row}.${ident(view.columns.find((c) => c.physical === k)!.name)}`).join(' AND ');
  const returning = view.columns.map((c) => readExpression(lazy, c, 't.')).join(', ');
  const columns = view.columns.map((c) => ident(c.physical)).join(', ');
  const values = view.columns.map((c) => `NEW.${ident(c.name)}`).join(', ');
  const changed = view.columns
    .map((c) => `      CASE WHEN NEW.${ident(c.name)} IS DISTINCT FROM OLD.${ident(c.name)} THEN ${literal(`${ident(c.physical)} = ($1).${ident(c.name)}`)} END`)
    .join(',\n');
  return `CREATE OR REPLACE FUNCTION ${lazyWriteFunction(migration, view)}() RETURNS trigger LANGUAGE plpgsql SECURITY INVOKER AS $midair$
#variable_conflict use_column
DECLARE
  midair_caller_path text := current_setting('search_path');
  midair_set text;
  midair_rows bigint;
BEGIN
  PERFORM set_config('search_path', ${literal(`${ident(versionSchema)},${ident(schema)}`)}, true);
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ${table} AS t (${columns})${lazy.identity ? ' OVERRIDING SYSTEM VALUE' : ''} VALUES (${values}) RETURNING ${returning} INTO NEW;
    GET DIAGNOSTICS midair_rows = ROW_COUNT;
  ELSIF TG_OP = 'UPDATE' THEN
    midair_set := concat_ws(', ',
${changed});
    IF midair_set = '' THEN
      midair_set := ${literal(`${ident(MARKER_COLUMN)} = t.${ident(MARKER_COLUMN)}`)};
    END IF;
    EXECUTE ${literal(`UPDATE ${table} AS t SET `)} || midair_set || ${literal(` WHERE ${byKey('($2)')} RETURNING ${returning}`)} INTO NEW USING NEW, OLD;
    GET DIAGNOSTICS midair_rows = ROW_COUNT;
  ELSE
    DELETE FROM ${table} AS t WHERE ${byKey('OLD')};
    GET DIAGNOSTICS midair_rows = ROW_COUNT;
  END IF;
  PERFORM set_config('search_path', midair_caller_path, true);
  IF midair_rows = 0 THEN
    RETURN NULL;
  ELSIF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END
$midair$`;
}

/** Expand: the view's defaults, the write function and its INSTEAD OF trigger (after the view is created). */
export function lazyViewSteps(schema: string, versionSchema: string, migration: string, view: ViewTable): Step[] {
  return [
    { sql: copyDefaults(schema, versionSchema, view), lock: 'none' },
    { sql: writeFunctionSql(schema, versionSchema, migration, view), lock: 'none' },
    {
      sql: `CREATE TRIGGER ${ident(TRIGGER)} INSTEAD OF INSERT OR UPDATE OR DELETE ON ${viewOf(versionSchema, view)} FOR EACH ROW EXECUTE FUNCTION ${lazyWriteFunction(migration, view)}()`,
      lock: 'none',
    },
  ];
}

/**
 * Contract, before the old columns and the marker go: the view becomes the plain one a non-lazy
 * migration has (every row is migrated by then: complete requires it), which PostgreSQL writes
 * through by itself, so the trigger, its function and the copied defaults go too. CREATE OR REPLACE
 * keeps the view's privileges and whatever depends on it.
 */
export function lazyViewContract(schema: string, versionSchema: string, migration: string, view: ViewTable, viewOptions: string): Step[] {
  const name = viewOf(versionSchema, view);
  const plain = { ...view, lazy: undefined };
  return [
    { sql: `DROP TRIGGER IF EXISTS ${ident(TRIGGER)} ON ${name}`, lock: 'none on tables' },
    { sql: `DROP FUNCTION IF EXISTS ${lazyWriteFunction(migration, view)}()`, lock: 'none' },
    ...view.columns.map((c) => ({ sql: `ALTER VIEW ${name} ALTER COLUMN ${ident(c.name)} DROP DEFAULT`, lock: 'none on tables' })),
    { sql: `CREATE OR REPLACE VIEW ${name}${viewOptions} AS SELECT ${selectList(plain)} FROM ${qualified(schema, view.physical)}`, lock: 'ACCESS SHARE' },
  ];
}

/** Rollback, after the views are dropped (their triggers with them): the write functions. */
export function lazyViewRollback(migration: string, view: ViewTable): Step {
  return { sql: `DROP FUNCTION IF EXISTS ${lazyWriteFunction(migration, view)}()`, lock: 'none' };
}
