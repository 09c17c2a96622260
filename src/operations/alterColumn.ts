import { ident } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import type { AlterColumn } from '../migration/types.js';
import { canonicalType } from '../migration/typeNames.js';
import { duplicateColumn } from './duplicateColumn.js';

export function alterColumn(c: Compiler, o: AlterColumn): void {
  const table = c.table(o.table);
  const column = c.column(table, o.column);
  const newName = o.name ?? column.name;
  if (o.name && o.name !== column.name) c.requireNewColumnName(table, o.name, 'name');
  const before = table.before?.columns.find((b) => b.name === column.physical);
  const typeChanges = o.type !== undefined && canonicalType(o.type) !== canonicalType(column.type);
  const needsCopy = typeChanges || o.nullable !== undefined || o.unique || o.check || o.references || o.up || o.down;

  if (!needsCopy) {
    if (o.name === undefined && o.default === undefined) c.fail('nothing to change: give name, type, nullable, default, unique, check, references or up');
    column.name = newName;
    if (o.default !== undefined) {
      // A new default alone is metadata: applied directly, so old-release inserts get it too.
      const t = c.q(table.physical);
      const col = ident(column.physical);
      c.plan.expand.push({ sql: `ALTER TABLE ${t} ALTER COLUMN ${col} ${o.default === null ? 'DROP DEFAULT' : `SET DEFAULT (${o.default})`}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
      const old = before?.default ?? null;
      c.plan.rollback.push({ sql: `ALTER TABLE ${t} ALTER COLUMN ${col} ${old === null ? 'DROP DEFAULT' : `SET DEFAULT ${old}`}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
    }
    return;
  }
  if (typeChanges && (!o.up || !o.down)) {
    c.fail(`changing the type of "${o.column}" from ${column.type} to ${o.type} needs both "up" and "down"`, `up converts an old value (e.g. "${o.column}::${o.type}"), down converts back (e.g. "${newName}::${column.type}")`);
  }
  if (o.nullable === false && column.nullable && !o.up) {
    c.preconditions.push({
      sql: `SELECT count(*)::int AS n FROM ${c.q(table.physical)} WHERE ${ident(column.physical)} IS NULL`,
      failure: (n) => `${c.where}: ${n} rows of "${table.name}" have NULL in "${o.column}", so it cannot become NOT NULL as it is`,
      hint: `give "up", e.g. up: "coalesce(${o.column}, <a value>)"`,
    });
  }
  duplicateColumn(c, table, column, {
    newName,
    type: o.type ?? column.type,
    default: o.default === undefined ? (typeChanges ? null : before?.default ?? null) : o.default,
    nullable: o.nullable ?? column.nullable,
    unique: o.unique,
    check: o.check,
    references: o.references,
    up: o.up ?? ident(column.physical),
    down: o.down ?? ident(newName),
  });
}
