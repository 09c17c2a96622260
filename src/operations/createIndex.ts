import { shortName } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import { existedBefore, uniqueValues } from '../migration/preconditions.js';
import type { CreateIndex } from '../migration/types.js';
import { buildIndex, dropIndexOnRollback } from './indexBuild.js';

/** Built CONCURRENTLY after expand: reads and writes go on while it builds. */
export function createIndex(c: Compiler, o: CreateIndex): void {
  const table = c.table(o.table);
  const columns = o.columns.map((name) => c.column(table, name, 'columns'));
  const name = o.name ?? shortName(table.name, ...o.columns, 'idx');
  if (o.unique && existedBefore(table, columns)) uniqueValues(c, table, columns, `the unique index "${name}"`, o.where);
  buildIndex(c, table, { name, unique: Boolean(o.unique), columns: columns.map((col) => col.physical), method: o.method, where: o.where });
  // An index on a column this migration adds goes with that column.
  if (!columns.some((col) => col.added)) dropIndexOnRollback(c, table, name);
}
