import { ident, qualified, shortName } from '../db/sql.js';
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
  if (d.default !== null) c.plan.expand.push({ sql: `ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT (${d.default})`, lock: 'ACCESS EXCLUSIVE, catalog only' });
  c.plan.rollback.push({ sql: `ALTER TABLE ${t} DROP COLUMN IF EXISTS ${col}`, lock: 'ACCESS EXCLUSIVE, catalog only' });

  const sync = c.sync(table);
  sync.up.push({ column: physical, expression: d.up, source: c.where });
  sync.down.push({ column: column.physical, expression: d.down, source: c.where });
  c.plan.contract.push({ sql: `ALTER TABLE ${t} DROP COLUMN ${ident(column.physical)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
  carryOverIndexes(c, table, column.physical, physical);

  const replacement: ColumnShape = { name: d.newName, physical, type: d.type, nullable: d.nullable !== false, added: true };
  table.columns[table.columns.indexOf(column)] = replacement;
  constrainNewColumn(c, table, replacement, d, names);
}

/**
 * Dropping the old column at contract drops its indexes; copies built online on the new column
 * take their names (and their UNIQUE constraints) in the same contract transaction.
 */
function carryOverIndexes(c: Compiler, table: TableShape, oldPhysical: string, newPhysical: string): void {
  const t = c.q(table.physical);
  for (const index of table.before?.indexes ?? []) {
    if (!index.columns.includes(oldPhysical)) continue;
    const copy = shortName('_midair', index.name);
    const columns = index.columns.map((name) => ident(name === oldPhysical ? newPhysical : name)).join(', ');
    c.plan.expandOnline.push({
      sql: `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS ${ident(copy)} ON ${t} USING ${index.method} (${columns})`,
      lock: 'SHARE UPDATE EXCLUSIVE (reads and writes go on)',
      index: copy,
    });
    c.plan.contract.push({ sql: `ALTER INDEX ${qualified(c.schema, copy)} RENAME TO ${ident(index.name)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
    if (index.constraint) {
      c.plan.contract.push({ sql: `ALTER TABLE ${t} ADD CONSTRAINT ${ident(index.name)} UNIQUE USING INDEX ${ident(index.name)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
    }
  }
}
