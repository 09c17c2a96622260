import type { Catalog } from '../catalog/read.js';
import type { TableShape } from './compiler.js';
import type { Plan } from './plan.js';

/** What contract removes or rewrites, by physical name: what other objects may depend on. */
export interface Dropped {
  /** Tables contract drops (dropTable). */
  tables: string[];
  /** Columns contract drops: dropped ones, and those replaced by a copy (alterColumn, addConstraint with up). */
  columns: { table: string; column: string }[];
  /** Tables whose rows the sync triggers and backfill write, or that lose columns. */
  changedTables: string[];
}

/**
 * Derived from the new shape rather than from each operation, so no operation can forget to
 * report what it drops: an old table without a shape, or an old column no shape column holds.
 */
export function droppedAtContract(catalog: Catalog, shapes: TableShape[], plan: Plan): Dropped {
  const dropped: Dropped = { tables: [], columns: [], changedTables: plan.sync.map((s) => s.table) };
  for (const before of catalog.tables) {
    const shape = shapes.find((t) => t.physical === before.name);
    if (!shape) {
      dropped.tables.push(before.name);
      continue;
    }
    const kept = new Set(shape.columns.map((c) => c.physical));
    for (const column of before.columns) if (!kept.has(column.name)) dropped.columns.push({ table: before.name, column: column.name });
  }
  for (const { table } of dropped.columns) if (!dropped.changedTables.includes(table)) dropped.changedTables.push(table);
  return dropped;
}
