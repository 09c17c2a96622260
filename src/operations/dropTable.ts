import type { Compiler } from '../migration/compiler.js';
import type { DropTable } from '../migration/types.js';

/** The new release no longer sees the table; old releases keep using it until contract drops it. */
export function dropTable(c: Compiler, o: DropTable): void {
  const table = c.table(o.name, 'name');
  if (table.created) c.fail(`table "${o.name}" is created by this same migration; remove it from the migration instead`);
  c.tables.splice(c.tables.indexOf(table), 1);
  c.plan.contract.push({ sql: `DROP TABLE ${c.q(table.physical)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
}
