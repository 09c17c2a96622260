import { ident } from '../db/sql.js';
import type { ColumnShape, Compiler, TableShape } from '../migration/compiler.js';
import { exclusionDefinition } from './exclusion.js';
import type { ColumnSpec, CreateTable, ForeignKeySpec, TableConstraint } from '../migration/types.js';
import { columnOptionClauses, commentOnColumn, commentOnTable, probeColumnOptions, probeGeneratedColumns, refuseConflictingValueSources } from './columnOptions.js';
import { checkExpressionOf, claimConstraintName } from './constraintNames.js';
import { foreignKeyClause, foreignKeyColumns } from './foreignKeyClause.js';

/**
 * `CONSTRAINT "name" ` for a constraint the user named (unnamed ones get PostgreSQL's default
 * names). One with an index (unique, primary key) names the index too.
 */
function named(c: Compiler, table: TableShape, name: string | undefined, field: string, indexed: boolean): string {
  if (name === undefined) return '';
  claimConstraintName(c, table, name, field, indexed);
  if (indexed) c.claimRelationName(name);
  return `CONSTRAINT ${ident(name)} `;
}

function columnDefinition(c: Compiler, table: TableShape, spec: ColumnSpec, field: string): string {
  const parts = [ident(spec.name), spec.type, ...columnOptionClauses(spec)];
  if (spec.default !== undefined) parts.push(`DEFAULT (${spec.default})`);
  if (spec.nullable === false) parts.push('NOT NULL');
  if (spec.unique) parts.push(`${named(c, table, typeof spec.unique === 'object' ? spec.unique.name : undefined, `${field}.unique.name`, true)}UNIQUE`);
  if (spec.check) parts.push(`${named(c, table, typeof spec.check === 'object' ? spec.check.name : undefined, `${field}.check.name`, false)}CHECK (${checkExpressionOf(spec.check)})`);
  if (spec.references) {
    const ref = spec.references;
    const target = c.table(ref.table, `${field}.references.table`);
    const column = c.column(target, ref.column, `${field}.references.column`);
    const local = c.column(table, spec.name);
    parts.push(`${named(c, table, ref.name, `${field}.references.name`, false)}REFERENCES ${c.q(target.physical)} (${ident(column.physical)})${foreignKeyClause(c, ref, [local], `${field}.references`)}`);
  }
  return parts.join(' ');
}

function foreignKeyDefinition(c: Compiler, table: TableShape, fk: ForeignKeySpec, field: string): string {
  const { local, target, referenced } = foreignKeyColumns(c, table, fk, field);
  const columns = (shapes: ColumnShape[]) => shapes.map((col) => ident(col.physical)).join(', ');
  return `FOREIGN KEY (${columns(local)}) REFERENCES ${c.q(target.physical)} (${columns(referenced)})${foreignKeyClause(c, fk, local, field)}`;
}

function tableConstraint(c: Compiler, table: TableShape, k: TableConstraint, field: string): string {
  if ([k.check, k.unique, k.foreignKey].filter((x) => x !== undefined).length !== 1) c.fail(`${field}: give exactly one of "check", "unique" or "foreignKey"`);
  const name = named(c, table, k.name, `${field}.name`, k.unique !== undefined);
  if (k.check !== undefined) return `${name}CHECK (${k.check})`;
  if (k.unique) return `${name}UNIQUE (${k.unique.map((n) => ident(c.column(table, n, `${field}.unique`).physical)).join(', ')})`;
  return `${name}${foreignKeyDefinition(c, table, k.foreignKey!, `${field}.foreignKey`)}`;
}

/** A new, empty table: created with its final name, visible only in the version schema. */
export function createTable(c: Compiler, o: CreateTable): void {
  if (c.tables.some((t) => t.name === o.name) || c.catalog.tables.some((t) => t.name === o.name)) c.fail(`name: a table "${o.name}" already exists`);
  const names = o.columns.map((col) => col.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) c.fail(`columns: "${duplicate}" appears twice`);
  const primaryKey = Array.isArray(o.primaryKey) ? { columns: o.primaryKey, name: undefined } : o.primaryKey;
  for (const k of primaryKey?.columns ?? []) if (!names.includes(k)) c.fail(`primaryKey: "${k}" is not one of the columns`);
  o.columns.forEach((spec, i) => {
    refuseConflictingValueSources(c, spec, `columns.${i}`);
    probeColumnOptions(c, spec, `columns.${i}`);
  });
  probeGeneratedColumns(c, o.columns);
  // In the new shape before its definitions, so that a foreign key may reference the table itself.
  const table: TableShape = {
    name: o.name,
    physical: o.name,
    created: true,
    key: primaryKey?.columns ?? [],
    columns: o.columns.map((spec) => ({ name: spec.name, physical: spec.name, type: spec.type, nullable: spec.nullable !== false && spec.identity === undefined, added: true })),
  };
  c.tables.push(table);
  const definitions = o.columns.map((spec, k) => columnDefinition(c, table, spec, `columns.${k}`));
  if (primaryKey) definitions.push(`${named(c, table, primaryKey.name, 'primaryKey.name', true)}PRIMARY KEY (${primaryKey.columns.map(ident).join(', ')})`);
  (o.constraints ?? []).forEach((k, i) => definitions.push(tableConstraint(c, table, k, `constraints.${i}`)));
  (o.exclusions ?? []).forEach((x, k) => {
    // Its index takes the constraint's name, in the namespace of every relation.
    c.claimRelationName(x.name);
    definitions.push(`CONSTRAINT ${ident(x.name)} ${exclusionDefinition(c, table, x.name, x, `exclusions.${k}`)}`);
  });
  c.plan.expand.push({ sql: `CREATE TABLE ${c.q(o.name)} (\n  ${definitions.join(',\n  ')}\n)`, lock: 'none on existing tables' });
  if (o.comment !== undefined) c.plan.expand.push({ sql: commentOnTable(c, o.name, o.comment), lock: 'none on existing tables' });
  for (const spec of o.columns) {
    if (spec.comment !== undefined) c.plan.expand.push({ sql: commentOnColumn(c, o.name, spec.name, spec.comment), lock: 'none on existing tables' });
  }
  c.plan.rollback.push({ sql: `DROP TABLE IF EXISTS ${c.q(o.name)}`, lock: 'ACCESS EXCLUSIVE on the new table only' });
}
