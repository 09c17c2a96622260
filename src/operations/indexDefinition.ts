import { ident, literal } from '../db/sql.js';
import { namesIn } from '../db/sqlTokens.js';
import type { Compiler, TableShape } from '../migration/compiler.js';
import type { IndexElement, StorageParameters } from '../migration/types.js';

/** One key of an index or exclusion constraint, rendered on physical names. */
export interface RenderedElement {
  sql: string;
  /** The column or the parenthesized expression alone: what the element's values are. */
  key: string;
  /** How the user names it: the column's name or the expression. */
  label: string;
  /** The physical column, for a plain column element. */
  column?: string;
  /** Physical columns it reads (the column, or those its expression names). */
  reads: string[];
  /** The field that names it in messages, e.g. "columns.1". */
  field: string;
}

const PROBE = '_midair_probe';

/**
 * A column or an expression with its collation, operator class and order, as CREATE INDEX and
 * EXCLUDE take it. A plain string is a column. An expression is over the table's physical columns
 * (as a partial index's predicate is), so the columns it reads are those it names.
 */
export function renderElement(c: Compiler, table: TableShape, element: string | IndexElement, list: string, position: number): RenderedElement {
  const field = `${list}.${position}`;
  const spec = typeof element === 'string' ? { column: element } : element;
  const parts: string[] = [];
  let column: string | undefined;
  let reads: string[];
  if (spec.column !== undefined) {
    column = c.column(table, spec.column, typeof element === 'string' ? list : `${field}.column`).physical;
    parts.push(ident(column));
    reads = [column];
  } else {
    parts.push(`(${spec.expression})`);
    const names = namesIn(spec.expression!);
    reads = table.columns.filter((col) => names.has(col.physical)).map((col) => col.physical);
  }
  if (spec.collation) parts.push(`COLLATE ${ident(spec.collation)}`);
  if (spec.opclass) parts.push(spec.opclass);
  if (spec.order) parts.push(spec.order.toUpperCase());
  if (spec.nulls) parts.push(`NULLS ${spec.nulls.toUpperCase()}`);
  return { sql: parts.join(' '), key: parts[0]!, label: spec.column ?? spec.expression!, column, reads, field };
}

/** The physical names of INCLUDE columns. */
export function includedColumns(c: Compiler, table: TableShape, include: string[] | undefined, field: string): string[] {
  return (include ?? []).map((name) => c.column(table, name, field).physical);
}

/** The clauses after the key, in the order CREATE INDEX takes them. */
export function indexClauses(include: string[], nullsNotDistinct: boolean, storage: StorageParameters | undefined, where: string | undefined): string {
  const parts: string[] = [];
  if (include.length) parts.push(`INCLUDE (${include.map(ident).join(', ')})`);
  if (nullsNotDistinct) parts.push('NULLS NOT DISTINCT');
  const parameters = Object.entries(storage ?? {});
  if (parameters.length) parts.push(`WITH (${parameters.map(([key, value]) => `${key} = ${typeof value === 'string' ? literal(value) : String(value)}`).join(', ')})`);
  if (where) parts.push(`WHERE (${where})`);
  return parts.map((p) => ` ${p}`).join('');
}

/** PostgreSQL 15 brought NULLS NOT DISTINCT: an older server would refuse it half-way through the build. */
export function refuseNullsNotDistinctBefore15(c: Compiler): void {
  const version = c.catalog.serverVersion;
  if (version !== undefined && version < 150000) {
    c.fail(`nullsNotDistinct: PostgreSQL ${Math.floor(version / 10000)} has no NULLS NOT DISTINCT (it came with PostgreSQL 15)`, 'upgrade to PostgreSQL 15 or later, or make the columns NOT NULL');
  }
}

/**
 * Has the server build each element on its own, then the whole definition, on an empty temporary
 * table of the same columns, before anything changes: a misspelt expression, operator class,
 * collation, operator or storage parameter is refused naming its field, not half-way through an
 * online build. `build` gives the statement over the probe table for a key of some elements,
 * with or without the clauses after the key (INCLUDE, WITH, WHERE).
 */
export function probeIndex(c: Compiler, table: TableShape, what: string, elements: RenderedElement[], build: (table: string, elements: RenderedElement[], clauses: boolean) => string): void {
  const createProbe = `CREATE TEMP TABLE ${PROBE} (${table.columns.map((col) => `${ident(col.physical)} ${col.type}`).join(', ')})`;
  const probeTable = `pg_temp.${PROBE}`;
  const hint = 'check the spelling against the server\'s message; an operator class must exist for the index method and the column\'s type (a gist index or exclusion with = on a scalar column needs the btree_gist extension: CREATE EXTENSION btree_gist)';
  for (const element of elements) {
    c.probes.push({
      statements: [createProbe, build(probeTable, [element], false)],
      failure: (error) => `${c.where}: ${element.field}: ${what} cannot be built on "${table.name}": ${error}`,
      hint,
    });
  }
  c.probes.push({
    statements: [createProbe, build(probeTable, elements, true)],
    failure: (error) => `${c.where}: ${what} cannot be built on "${table.name}": ${error}`,
    hint,
  });
}
