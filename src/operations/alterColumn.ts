import { ident } from '../db/sql.js';
import { defaultOf, type Compiler } from '../migration/compiler.js';
import type { AlterColumn } from '../migration/types.js';
import { canonicalType } from '../migration/typeNames.js';
import { rowsBreaking, uniqueValues } from '../migration/preconditions.js';
import { duplicateColumn } from './duplicateColumn.js';
import { enumConversion } from './enumConversion.js';
import { probeColumnOptions, setColumnComment } from './columnOptions.js';
import { convertToIdentity } from './identityConversion.js';

export function alterColumn(c: Compiler, o: AlterColumn): void {
  const table = c.table(o.table);
  const column = c.column(table, o.column);
  const newName = o.name ?? column.name;
  if (o.name && o.name !== column.name) c.requireNewColumnName(table, o.name, 'name');
  const before = table.before?.columns.find((b) => b.name === column.physical);
  const typeChanges = o.type !== undefined && canonicalType(o.type) !== canonicalType(column.type);
  const collationChanges = o.collation !== undefined && o.collation !== before?.collation;
  const needsCopy = typeChanges || collationChanges || o.nullable !== undefined || o.unique || o.check || o.references || o.up || o.down;

  if (o.identity !== undefined) convertToIdentity(c, table, column, o, o.identity);
  else if (!needsCopy && o.name === undefined && o.default === undefined && o.comment === undefined) {
    c.fail('nothing to change: give name, type, nullable, default, unique, check, references, up, identity, collation or comment');
  }
  // Identity comes with no field but name and comment (convertToIdentity refuses the rest): catalog only too.
  if (o.identity !== undefined || !needsCopy) {
    column.name = newName;
    // A comment alone is metadata too: set on the column itself, no copy, no sync.
    if (o.comment !== undefined) setColumnComment(c, table, column, o.comment);
    if (o.default !== undefined) {
      // A new default alone is metadata: applied directly, so old-release inserts get it too.
      const t = c.q(table.physical);
      const col = ident(column.physical);
      c.plan.expand.push({ sql: `ALTER TABLE ${t} ALTER COLUMN ${col} ${o.default === null ? 'DROP DEFAULT' : `SET DEFAULT (${o.default})`}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
      const old = before?.default ?? null;
      c.plan.rollback.push({ sql: `ALTER TABLE ${t} ALTER COLUMN ${col} ${old === null ? 'DROP DEFAULT' : `SET DEFAULT ${old}`}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
      column.default = o.default;
    }
    return;
  }
  const conversion = typeChanges ? enumConversion(c, table, column, { type: o.type!, name: newName, up: o.up, down: o.down }) : undefined;
  if (typeChanges && !conversion && (!o.up || !o.down)) {
    c.fail(`changing the type of "${o.column}" from ${column.type} to ${o.type} needs both "up" and "down"`, `up converts an old value (e.g. "${o.column}::${o.type}"), down converts back (e.g. "${newName}::${column.type}")`);
  }
  if (o.nullable === false && column.nullable && !o.up) {
    rowsBreaking(c, table, `o.${ident(column.physical)} IS NULL`, `NOT NULL on "${o.column}": they hold NULL in it`, `give "up", e.g. up: "coalesce(${o.column}, <a value>)"`);
  }
  // Without up (and a new type) the new column holds the old values: their duplicates are known now.
  if (o.unique && !o.up && !typeChanges && !table.created) uniqueValues(c, table, [column], `unique on "${o.column}"`);
  const type = o.type ?? column.type;
  if (o.collation !== undefined) probeColumnOptions(c, { name: newName, type, collation: o.collation }, 'collation');
  const oldDefault = o.default === undefined ? defaultOf(table, column) : null;
  const carriedDefault = oldDefault !== null && conversion ? conversion.convertDefault(oldDefault) : oldDefault;
  if (typeChanges && carriedDefault !== null) {
    // The copy takes the old default as PostgreSQL's own ALTER COLUMN TYPE would: converted by an
    // assignment cast, which the server checks before anything changes.
    c.probes.push({
      statements: [`CREATE TEMP TABLE _midair_probe (value ${type} DEFAULT ${carriedDefault})`],
      failure: (error) => `${c.where}: the default of "${o.column}" (${carriedDefault}) cannot be converted to ${type}: ${error}`,
      hint: `give "default" in the operation: an expression of type ${type}, or null for none`,
    });
  }
  duplicateColumn(c, table, column, {
    newName,
    type,
    default: o.default === undefined ? carriedDefault : o.default,
    nullable: o.nullable ?? column.nullable,
    unique: o.unique,
    check: o.check,
    references: o.references,
    up: o.up ?? conversion?.up ?? ident(column.physical),
    down: o.down ?? conversion?.down ?? ident(newName),
    collation: o.collation,
    comment: o.comment,
  });
}
