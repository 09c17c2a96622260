import { ident } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import type { AddColumn } from '../migration/types.js';
import { constrainNewColumn, isConstantDefault } from './constraints.js';

export function addColumn(c: Compiler, o: AddColumn): void {
  const table = c.table(o.table);
  const spec = o.column;
  c.requireNewColumnName(table, spec.name, 'column.name');
  if (spec.nullable === false && !o.up && !spec.default) {
    c.fail(`column "${spec.name}" is NOT NULL but has neither "up" nor "column.default"`, 'give "up" (its value for existing rows and old-release writes) or a default');
  }
  const physical = c.physicalNameFor(table, spec.name);
  const column = { name: spec.name, physical, type: spec.type, nullable: spec.nullable !== false, added: true, default: spec.default };
  table.columns.push(column);
  const t = c.q(table.physical);
  const col = ident(physical);

  const constant = spec.default !== undefined && isConstantDefault(spec.default);
  c.plan.expand.push({
    sql: `ALTER TABLE ${t} ADD COLUMN ${col} ${spec.type}${constant ? ` DEFAULT (${spec.default})` : ''}`,
    lock: 'ACCESS EXCLUSIVE, catalog only (no rewrite)',
  });
  if (spec.default !== undefined && !constant) {
    c.plan.expand.push({ sql: `ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT (${spec.default})`, lock: 'ACCESS EXCLUSIVE, catalog only' });
  }
  // A column with neither up nor a volatile default needs no sync: old-release writes leave it
  // at its default, as they would after contract.
  if (!table.created && o.up) c.sync(table).up.push({ column: physical, expression: o.up, source: c.where });
  else if (!table.created && spec.default !== undefined && !constant) c.sync(table).fill.push({ column: physical, expression: spec.default, source: c.where });
  constrainNewColumn(c, table, column, spec, 'column.');
  c.plan.rollback.push({ sql: `ALTER TABLE ${t} DROP COLUMN IF EXISTS ${col}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
}
