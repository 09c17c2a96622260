import type { Compiler } from '../migration/compiler.js';
import type { RenameTable } from '../migration/types.js';

/** The version schema shows the new name at once; contract renames the physical table. */
export function renameTable(c: Compiler, o: RenameTable): void {
  const table = c.table(o.from, 'from');
  if (c.tables.some((t) => t.name === o.to) || c.catalog.tables.some((t) => t.name === o.to && t.name !== table.physical)) {
    c.fail(`to: a table "${o.to}" already exists`);
  }
  table.name = o.to;
}
