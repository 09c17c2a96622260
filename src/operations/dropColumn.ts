import { ident } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import type { DropColumn } from '../migration/types.js';

export function dropColumn(c: Compiler, o: DropColumn): void {
  const table = c.table(o.table);
  const column = c.column(table, o.column);
  if (column.added) c.fail(`column "${o.column}" is added by this same migration; drop it from the migration instead`);
  c.refuseIndexBuiltOn(table, column);
  c.refuseConstraintAddedOn(table, column);
  if (table.key.includes(column.physical)) c.fail(`column "${o.column}" is part of the key of "${table.name}" and cannot be dropped here`);
  const before = table.before?.columns.find((b) => b.name === column.physical);
  if (before && !before.nullable && before.default === null && !o.down) {
    c.fail(`column "${o.column}" is NOT NULL without a default, so new-release inserts need its value`, 'give "down": an SQL expression over the new shape that computes it');
  }
  table.columns = table.columns.filter((x) => x !== column);
  if (o.down) c.sync(table).down.push({ column: column.physical, expression: o.down, source: c.where });
  c.plan.contract.push({ sql: `ALTER TABLE ${c.q(table.physical)} DROP COLUMN ${ident(column.physical)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
}
