import { ident, shortName } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import type { CreateIndex } from '../migration/types.js';

/** Built CONCURRENTLY after expand: reads and writes go on while it builds. */
export function createIndex(c: Compiler, o: CreateIndex): void {
  const table = c.table(o.table);
  const columns = o.columns.map((name) => c.column(table, name, 'columns'));
  const name = o.name ?? shortName(table.name, ...o.columns, 'idx');
  const method = o.method ? ` USING ${o.method}` : '';
  const where = o.where ? ` WHERE (${o.where})` : '';
  c.plan.expandOnline.push({
    sql: `CREATE ${o.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY IF NOT EXISTS ${ident(name)} ON ${c.q(table.physical)}${method} (${columns.map((col) => ident(col.physical)).join(', ')})${where}`,
    lock: 'SHARE UPDATE EXCLUSIVE (reads and writes go on)',
    index: name,
  });
  if (!columns.some((col) => col.added)) {
    c.plan.rollbackOnline.push({ sql: `DROP INDEX CONCURRENTLY IF EXISTS ${ident(c.schema)}.${ident(name)}`, lock: 'SHARE UPDATE EXCLUSIVE (reads and writes go on)' });
  }
}
