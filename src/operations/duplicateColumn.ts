import { ident } from '../db/sql.js';
import type { ColumnShape, Compiler, TableShape } from '../migration/compiler.js';
import { constrainNewColumn, type ColumnConstraints } from './constraints.js';

export interface Duplicate extends ColumnConstraints {
  newName: string;
  type: string;
  default: string | null;
  up: string;
  down: string;
}

/**
 * The expand/contract core of every in-place change: a new physical column beside the old one,
 * filled by `up` from old-release writes and backfill, feeding `down` back for new-release
 * writes; contract drops the old column and gives the new one its final name.
 */
export function duplicateColumn(c: Compiler, table: TableShape, column: ColumnShape, d: Duplicate, names: { unique?: string; check?: string } = {}): void {
  if (column.added) c.fail(`column "${column.name}" is added or changed earlier in this same migration; put the whole change in one operation`);
  if (table.key.includes(column.physical)) c.fail(`column "${column.name}" is part of the key of "${table.name}"; changing key columns is not supported yet`);
  const physical = c.physicalNameFor(table, d.newName);
  const t = c.q(table.physical);
  const col = ident(physical);
  c.plan.expand.push({ sql: `ALTER TABLE ${t} ADD COLUMN ${col} ${d.type}`, lock: 'ACCESS EXCLUSIVE, catalog only (no rewrite)' });
  if (d.default !== null) c.plan.expand.push({ sql: `ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT ${d.default}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
  c.plan.rollback.push({ sql: `ALTER TABLE ${t} DROP COLUMN IF EXISTS ${col}`, lock: 'ACCESS EXCLUSIVE, catalog only' });

  const sync = c.sync(table);
  sync.up.push({ column: physical, expression: d.up, source: c.where });
  sync.down.push({ column: column.physical, expression: d.down, source: c.where });
  c.plan.contract.push({ sql: `ALTER TABLE ${t} DROP COLUMN ${ident(column.physical)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });

  const replacement: ColumnShape = { name: d.newName, physical, type: d.type, nullable: d.nullable !== false, added: true };
  table.columns[table.columns.indexOf(column)] = replacement;
  constrainNewColumn(c, table, replacement, d, names);
}
