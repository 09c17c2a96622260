import { validateStep } from './constraints.js';
import { ident } from '../db/sql.js';
import { namesIn } from '../db/sqlTokens.js';
import { defaultOf, type Compiler } from '../migration/compiler.js';
import type { AddConstraint } from '../migration/types.js';
import { existedBefore, rowsBreaking, uniqueKeyValues } from '../migration/preconditions.js';
import { exclusionDefinition } from './exclusion.js';
import { includedColumns, indexClauses, refuseNullsNotDistinctBefore15 } from './indexDefinition.js';
import { duplicateColumn } from './duplicateColumn.js';
import { buildIndex, dropIndexOnRollback, refuseForeignKeyOnPartitioned, uniqueConstraintFromIndex } from './indexBuild.js';
import { claimConstraintName } from './constraintNames.js';
import { foreignKeyClause, foreignKeyColumns } from './foreignKeyClause.js';
import { buildPrimaryKeyIndex, primaryKeyColumns, primaryKeyUsingIndex } from './primaryKey.js';

export function addConstraint(c: Compiler, o: AddConstraint): void {
  const table = c.table(o.table);
  const kinds = [o.check, o.unique, o.exclude, o.foreignKey, o.primaryKey].filter((x) => x !== undefined).length;
  if (kinds !== 1) c.fail('give exactly one of "check", "unique", "exclude", "foreignKey" or "primaryKey"');
  if ((o.include || o.nullsNotDistinct) && !o.unique) c.fail('"include" and "nullsNotDistinct" go with "unique" (an exclusion constraint takes its own "exclude.include")');
  const t = c.q(table.physical);

  if (o.up || o.down) {
    // Existing values must change to satisfy the constraint: the column is duplicated, up fixes it.
    if (!o.column) c.fail('"up" needs "column": the column whose values up rewrites');
    if (o.foreignKey) c.fail('"up" with a foreign key is not supported: fix the data first with another migration');
    if (o.primaryKey) c.fail('"up" with a primary key is not supported: fix the data first with another migration');
    if (o.exclude) c.fail('"up" with an exclusion constraint is not supported: fix the data first with another migration');
    if (o.include || o.nullsNotDistinct) c.fail('"up" with "include" or "nullsNotDistinct" is not supported: add the constraint plainly after this migration, or create a unique index');
    const column = c.column(table, o.column, 'column');
    if (o.unique && (o.unique.length !== 1 || o.unique[0] !== o.column)) c.fail('with "up", unique must name just "column"');
    duplicateColumn(c, table, column, {
      newName: column.name, type: column.type, default: defaultOf(table, column),
      nullable: column.nullable, unique: o.unique && { name: o.name }, check: o.check && { expression: o.check, name: o.name },
      up: o.up ?? ident(column.physical), down: o.down ?? ident(column.name),
    });
    return;
  }
  // A primary key's name is claimed once its own refusals (a key there already) have had their say.
  if (!o.primaryKey) claimConstraintName(c, table, o.name, 'name', Boolean(o.unique));

  if (o.check) {
    // The expression is over the new shape's names, but a check is written on the table, whose
    // columns keep their physical names until complete.
    const moved = table.columns.find((col) => col.physical !== col.name && namesIn(o.check!).has(col.name));
    if (moved) {
      c.fail(
        `check: column "${moved.name}" is held by "${moved.physical}" until complete (an earlier operation of this migration copies or renames it), and a check is written over the table's physical columns`,
        'give the check with the alterColumn that changes the column ("check"), or add it in a later migration',
      );
    }
    // The expression may name columns this migration adds: checked up front only when there are none.
    if (existedBefore(table, table.columns)) rowsBreaking(c, table, `NOT (${o.check})`, `the check "${o.name}"`, 'fix those rows first, or give "column" and "up" to rewrite the values');
    c.plan.expand.push({ sql: `ALTER TABLE ${t} ADD CONSTRAINT ${ident(o.name)} CHECK (${o.check}) NOT VALID`, lock: 'ACCESS EXCLUSIVE, catalog only' });
    c.plan.validate.push(validateStep(c, table, o.name));
    c.plan.rollback.push({ sql: `ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${ident(o.name)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
    c.plan.warnings.push(`${c.where}: the check "${o.name}" applies to old-release writes from start on; give "column" and "up" to keep them unconstrained until complete`);
    // Every column the expression may name (a word spelled like one counts too).
    const named = namesIn(o.check);
    c.recordConstraintOn(table, table.columns.filter((col) => named.has(col.name)), `in the check "${o.name}"`);
  }
  if (o.unique) {
    const shapes = o.unique.map((name) => c.column(table, name, 'unique'));
    const include = includedColumns(c, table, o.include, 'include');
    if (o.nullsNotDistinct) refuseNullsNotDistinctBefore15(c);
    const keys = shapes.map((col) => ({ label: col.name, sql: ident(col.physical) }));
    if (existedBefore(table, shapes)) uniqueKeyValues(c, table, keys, `the unique constraint "${o.name}"`, { nullsNotDistinct: o.nullsNotDistinct });
    // ADD CONSTRAINT ... UNIQUE USING INDEX takes an index with INCLUDE and NULLS NOT DISTINCT alike.
    const body = `(${keys.map((k) => k.sql).join(', ')})${indexClauses(include, Boolean(o.nullsNotDistinct), undefined, undefined)}`;
    buildIndex(c, table, { name: o.name, unique: true, columns: shapes.map((col) => col.physical), body, reads: [...shapes.map((col) => col.physical), ...include] });
    uniqueConstraintFromIndex(c, table, o.name);
    dropIndexOnRollback(c, table, o.name);
  }
  if (o.primaryKey) {
    const columns = primaryKeyColumns(c, table, o.primaryKey, 'primaryKey');
    if (table.before?.primaryKey) c.fail(`table "${table.name}" has a primary key already, "${table.before.primaryKey}"`, 'change its columns with op.setPrimaryKey');
    claimConstraintName(c, table, o.name, 'name', true);
    buildPrimaryKeyIndex(c, table, columns, o.name, o.name);
    primaryKeyUsingIndex(c, table, o.name, o.name);
  }
  if (o.exclude) {
    if (!table.created) {
      c.fail(
        `exclude: PostgreSQL can add an exclusion constraint to an existing table only by building its index under ACCESS EXCLUSIVE (not CONCURRENTLY, NOT VALID or USING INDEX): every read and write of "${table.name}" would wait for the whole build`,
        `add it in a quiet window with op.sql (up: ALTER TABLE ${ident(table.name)} ADD CONSTRAINT ${ident(o.name)} EXCLUDE ..., down: ALTER TABLE ${ident(table.name)} DROP CONSTRAINT ${ident(o.name)}) or create the table with it (createTable "exclusions")`,
      );
    }
    // The table is created in this migration's expand transaction: empty, seen by no one else yet.
    c.claimRelationName(o.name);
    c.plan.expand.push({ sql: `ALTER TABLE ${t} ADD CONSTRAINT ${ident(o.name)} ${exclusionDefinition(c, table, o.name, o.exclude, 'exclude')}`, lock: 'ACCESS EXCLUSIVE on the new table only (empty)' });
  }
  if (o.foreignKey) {
    const fk = o.foreignKey;
    refuseForeignKeyOnPartitioned(c, table);
    const { local, target, referenced } = foreignKeyColumns(c, table, fk, 'foreignKey');
    const columns = local.map((col) => ident(col.physical));
    const targetColumns = referenced.map((col) => ident(col.physical));
    const clause = foreignKeyClause(c, fk, local, 'foreignKey');
    if (existedBefore(table, local) && existedBefore(target, referenced)) {
      // MATCH SIMPLE: a row with a NULL in the key references nothing. MATCH FULL: only a row whose
      // key is all NULL does; any other needs a match, which a NULL in it never gives.
      const set = columns.map((col) => `o.${col} IS NOT NULL`).join(fk.match === 'FULL' ? ' OR ' : ' AND ');
      const match = columns.map((col, i) => `r.${targetColumns[i]} = o.${col}`).join(' AND ');
      const full = fk.match === 'FULL' ? ' (with MATCH FULL, a key that is partly NULL matches none)' : '';
      rowsBreaking(c, table, `(${set}) AND NOT EXISTS (SELECT 1 FROM ${c.q(target.physical)} AS r WHERE ${match})`, `the foreign key "${o.name}": no row of "${target.name}" matches them${full}`, `add the missing "${target.name}" rows or fix those rows first`);
    }
    c.plan.expand.push({
      sql: `ALTER TABLE ${t} ADD CONSTRAINT ${ident(o.name)} FOREIGN KEY (${columns.join(', ')}) REFERENCES ${c.q(target.physical)} (${targetColumns.join(', ')})${clause} NOT VALID`,
      lock: 'SHARE ROW EXCLUSIVE on both tables, catalog only',
    });
    c.plan.validate.push(validateStep(c, table, o.name));
    c.plan.rollback.push({ sql: `ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${ident(o.name)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
    c.recordConstraintOn(table, local, `in the foreign key "${o.name}"`);
    c.recordConstraintOn(target, referenced, `referenced by the foreign key "${o.name}"`);
  }
}
