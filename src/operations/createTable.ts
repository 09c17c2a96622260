import { ident, literal } from '../db/sql.js';
import type { Compiler, TableShape } from '../migration/compiler.js';
import { exclusionDefinition } from './exclusion.js';
import type { ColumnSpec, CreateTable } from '../migration/types.js';
import { columnOptionClauses, commentOnColumn, probeColumnOptions, probeGeneratedColumns, refuseConflictingValueSources } from './columnOptions.js';

function columnDefinition(c: Compiler, spec: ColumnSpec): string {
  const parts = [ident(spec.name), spec.type, ...columnOptionClauses(spec)];
  if (spec.default !== undefined) parts.push(`DEFAULT (${spec.default})`);
  if (spec.nullable === false) parts.push('NOT NULL');
  if (spec.unique) parts.push('UNIQUE');
  if (spec.check) parts.push(`CHECK (${spec.check})`);
  if (spec.references) {
    const target = c.table(spec.references.table, `column "${spec.name}" references.table`);
    const column = c.column(target, spec.references.column, `column "${spec.name}" references.column`);
    parts.push(`REFERENCES ${c.q(target.physical)} (${ident(column.physical)})`);
    if (spec.references.onDelete) parts.push(`ON DELETE ${spec.references.onDelete}`);
  }
  return parts.join(' ');
}

/** A new, empty table: created with its final name, visible only in the version schema. */
export function createTable(c: Compiler, o: CreateTable): void {
  if (c.tables.some((t) => t.name === o.name) || c.catalog.tables.some((t) => t.name === o.name)) c.fail(`name: a table "${o.name}" already exists`);
  const names = o.columns.map((col) => col.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) c.fail(`columns: "${duplicate}" appears twice`);
  for (const k of o.primaryKey ?? []) if (!names.includes(k)) c.fail(`primaryKey: "${k}" is not one of the columns`);
  o.columns.forEach((spec, i) => {
    refuseConflictingValueSources(c, spec, `columns.${i}`);
    probeColumnOptions(c, spec, `columns.${i}`);
  });
  probeGeneratedColumns(c, o.columns);
  const definitions = o.columns.map((spec) => columnDefinition(c, spec));
  if (o.primaryKey) definitions.push(`PRIMARY KEY (${o.primaryKey.map(ident).join(', ')})`);
  const table: TableShape = {
    name: o.name,
    physical: o.name,
    created: true,
    key: o.primaryKey ?? [],
    columns: o.columns.map((spec) => ({ name: spec.name, physical: spec.name, type: spec.type, nullable: spec.nullable !== false && spec.identity === undefined, added: true })),
  };
  c.tables.push(table);
  (o.exclusions ?? []).forEach((x, k) => {
    // Its index takes the constraint's name, in the namespace of every relation.
    c.claimRelationName(x.name);
    definitions.push(`CONSTRAINT ${ident(x.name)} ${exclusionDefinition(c, table, x.name, x, `exclusions.${k}`)}`);
  });
  c.plan.expand.push({ sql: `CREATE TABLE ${c.q(o.name)} (\n  ${definitions.join(',\n  ')}\n)`, lock: 'none on existing tables' });
  if (o.comment !== undefined) c.plan.expand.push({ sql: `COMMENT ON TABLE ${c.q(o.name)} IS ${literal(o.comment)}`, lock: 'none on existing tables' });
  for (const spec of o.columns) {
    if (spec.comment !== undefined) c.plan.expand.push({ sql: commentOnColumn(c, o.name, spec.name, spec.comment), lock: 'none on existing tables' });
  }
  c.plan.rollback.push({ sql: `DROP TABLE IF EXISTS ${c.q(o.name)}`, lock: 'ACCESS EXCLUSIVE on the new table only' });
}
