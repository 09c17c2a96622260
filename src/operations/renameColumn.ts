import type { Compiler } from '../migration/compiler.js';
import type { RenameColumn } from '../migration/types.js';

/** A rename lives in the version schema's view until contract renames the physical column. */
export function renameColumn(c: Compiler, o: RenameColumn): void {
  const table = c.table(o.table);
  const column = c.column(table, o.from, 'from');
  c.requireNewColumnName(table, o.to, 'to');
  column.name = o.to;
}
