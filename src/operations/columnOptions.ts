import { ident, literal } from '../db/sql.js';
import type { ColumnShape, Compiler, TableShape } from '../migration/compiler.js';
import type { ColumnSpec, Identity, IdentityKind } from '../migration/types.js';

/** The `generated` word of an identity: "ALWAYS" or "BY DEFAULT". */
export function identityKind(identity: Identity): IdentityKind {
  return typeof identity === 'string' ? identity : identity.generated;
}

/** "(START WITH 10 INCREMENT BY 2 ...)" from an identity's sequence options, or "" without any. `start` overrides the given one. */
export function sequenceOptions(identity: Identity, options: { sequenceName?: string; start?: string } = {}): string {
  const o: Exclude<Identity, IdentityKind> = typeof identity === 'string' ? { generated: identity } : identity;
  const parts: string[] = [];
  if (options.sequenceName) parts.push(`SEQUENCE NAME ${options.sequenceName}`);
  const start = options.start ?? (o.start === undefined ? undefined : String(o.start));
  if (start !== undefined) parts.push(`START WITH ${start}`);
  if (o.increment !== undefined) parts.push(`INCREMENT BY ${o.increment}`);
  if (o.minValue !== undefined) parts.push(`MINVALUE ${o.minValue}`);
  if (o.maxValue !== undefined) parts.push(`MAXVALUE ${o.maxValue}`);
  if (o.cache !== undefined) parts.push(`CACHE ${o.cache}`);
  if (o.cycle !== undefined) parts.push(o.cycle ? 'CYCLE' : 'NO CYCLE');
  return parts.length ? ` (${parts.join(' ')})` : '';
}

function identityClause(identity: Identity): string {
  return `GENERATED ${identityKind(identity) === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${sequenceOptions(identity)}`;
}

/** What follows the type in a column definition: collation, then identity or generation expression. */
export function columnOptionClauses(spec: ColumnSpec): string[] {
  const parts: string[] = [];
  if (spec.collation !== undefined) parts.push(`COLLATE ${ident(spec.collation)}`);
  if (spec.identity !== undefined) parts.push(identityClause(spec.identity));
  if (spec.generated !== undefined) parts.push(`GENERATED ALWAYS AS (${spec.generated}) STORED`);
  return parts;
}

export function commentOnColumn(c: Compiler, physicalTable: string, physicalColumn: string, comment: string | null): string {
  return `COMMENT ON COLUMN ${c.q(physicalTable)}.${ident(physicalColumn)} IS ${comment === null ? 'NULL' : literal(comment)}`;
}

export const COMMENT_LOCK = 'SHARE UPDATE EXCLUSIVE, catalog only';

export function commentOnTable(c: Compiler, physicalTable: string, comment: string | null): string {
  return `COMMENT ON TABLE ${c.q(physicalTable)} IS ${comment === null ? 'NULL' : literal(comment)}`;
}

/** Sets a column's comment at start; rollback puts back the one it had before (or none). A column this migration adds is dropped by rollback anyway. */
export function setColumnComment(c: Compiler, table: TableShape, column: ColumnShape, comment: string | null): void {
  c.plan.expand.push({ sql: commentOnColumn(c, table.physical, column.physical, comment), lock: COMMENT_LOCK });
  column.comment = comment;
  if (column.added) return;
  const before = table.before?.columns.find((b) => b.name === column.physical)?.comment ?? null;
  c.plan.rollback.push({ sql: commentOnColumn(c, table.physical, column.physical, before), lock: COMMENT_LOCK });
}

/**
 * A column's value comes from one place: a default, an identity sequence or a generation
 * expression. PostgreSQL refuses two of them at once; this says so before start, naming the fields.
 * `field` is the column's path in the operation, e.g. "column" or "columns.2".
 */
export function refuseConflictingValueSources(c: Compiler, spec: ColumnSpec, field: string): void {
  const sources = (['default', 'identity', 'generated'] as const).filter((k) => spec[k] !== undefined);
  if (sources.length > 1) {
    c.fail(`${field}: "${spec.name}" gives both ${sources.map((s) => `"${s}"`).join(' and ')}; a column takes its value from one of them`, 'keep one');
  }
}

/**
 * The server alone knows whether a collation exists, suits the type, and whether identity options
 * fit the type (say MAXVALUE above an integer's range): tried on a temporary table before start,
 * so the operation and field are named instead of the expand transaction failing.
 */
export function probeColumnOptions(c: Compiler, spec: Pick<ColumnSpec, 'name' | 'type' | 'collation' | 'identity'>, field: string): void {
  if (spec.collation === undefined && spec.identity === undefined) return;
  const clauses = columnOptionClauses({ name: spec.name, type: spec.type, collation: spec.collation, identity: spec.identity });
  const where = c.where;
  c.probes.push({
    statements: [`CREATE TEMP TABLE _midair_probe (value ${spec.type} ${clauses.join(' ')}${spec.identity !== undefined ? ' NOT NULL' : ''})`],
    failure: (error) => `${where}: ${field}: column "${spec.name}" of type ${spec.type}${spec.collation !== undefined ? ` with collation "${spec.collation}"` : ''}${spec.identity !== undefined ? ' as an identity column' : ''} is refused by the server: ${error}`,
    hint: spec.collation !== undefined
      ? 'use a collation this database has (SELECT collname FROM pg_collation) on a text-like type'
      : 'identity columns are smallint, integer or bigint, with sequence options in that type\'s range',
  });
}

/**
 * A generation expression must be immutable, of the column's type, and name only plain columns of
 * the same table: tried on a temporary table with the new table's plain columns before start.
 */
export function probeGeneratedColumns(c: Compiler, columns: ColumnSpec[]): void {
  const plain = columns.filter((spec) => spec.generated === undefined).map((spec) => [ident(spec.name), spec.type, ...(spec.collation === undefined ? [] : [`COLLATE ${ident(spec.collation)}`])].join(' '));
  const where = c.where;
  columns.forEach((spec, i) => {
    if (spec.generated === undefined) return;
    c.probes.push({
      statements: [`CREATE TEMP TABLE _midair_probe (${[...plain, [ident(spec.name), spec.type, ...columnOptionClauses(spec)].join(' ')].join(', ')})`],
      failure: (error) => `${where}: columns.${i}.generated: column "${spec.name}" cannot be generated as ${spec.generated}: ${error}`,
      hint: 'a generation expression is immutable (no now(), random() or sequences), of the column\'s type, over plain columns of the same table',
    });
  });
}
