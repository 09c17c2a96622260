import { ident } from '../db/sql.js';
import type { ColumnShape, Compiler, TableShape } from '../migration/compiler.js';
import { rowsBreaking, uniqueValues } from '../migration/preconditions.js';
import { setNotNullOnline } from './constraints.js';
import { buildIndex, dropIndexOnRollback } from './indexBuild.js';

/**
 * A primary key made online on an existing table (op.addConstraint primaryKey, op.setPrimaryKey):
 * its unique index is built CONCURRENTLY at start, nullable columns are made NOT NULL through a
 * validated check, and contract attaches the index as the key, catalog only.
 */

/** The key's columns, refused when the key cannot be made online or its values are not known before start. */
export function primaryKeyColumns(c: Compiler, table: TableShape, names: string[], field: string): ColumnShape[] {
  const earlier = c.keyMadeBy.get(table.physical);
  if (earlier) c.fail(`the primary key of "${table.name}" is made by ${earlier} already`, 'give the key once, with all its columns');
  if (table.created) c.fail(`table "${table.name}" is created by this same migration`, 'give its key in createTable\'s "primaryKey"');
  if (table.before?.partitions?.length) {
    c.fail(
      `a primary key on partitioned table "${table.name}" cannot be made online: PostgreSQL cannot attach an index as the primary key of a partitioned table (ADD PRIMARY KEY USING INDEX), and ADD PRIMARY KEY builds every partition's index under an ACCESS EXCLUSIVE lock`,
      'a unique index over NOT NULL columns, built online with op.createIndex (unique: true), is a key Midair can walk; or add the primary key with op.sql in a quiet window',
    );
  }
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) c.fail(`${field}: "${twice}" appears twice`);
  const columns = names.map((n) => c.column(table, n, field));
  const changed = columns.find((col) => col.added);
  if (changed) c.fail(`${field}: column "${changed.name}" is added or changed by this same migration, so its values are not known before start`, 'make it the key in a later migration, after this one completes');
  c.keyMadeBy.set(table.physical, c.where);
  return columns;
}

/**
 * At start: the unique index `index` over the key's columns (rows that would make the build fail,
 * duplicates or NULLs, are refused first), and NOT NULL made online for its nullable columns.
 * Both hold for old-release writes from start on. Rollback drops the index and the checks.
 */
export function buildPrimaryKeyIndex(c: Compiler, table: TableShape, columns: ColumnShape[], constraint: string, index: string): void {
  const what = `the primary key "${constraint}"`;
  uniqueValues(c, table, columns, what, undefined, 'remove or change the duplicates first');
  const nullable = columns.filter((col) => col.nullable);
  if (nullable.length) {
    const named = nullable.map((col) => `"${col.name}"`).join(' or ');
    rowsBreaking(c, table, nullable.map((col) => `o.${ident(col.physical)} IS NULL`).join(' OR '), `${what}: they hold NULL in ${named}`, `give those rows a value in ${named} first: a primary key column cannot hold NULL`);
  }
  buildIndex(c, table, { name: index, unique: true, columns: columns.map((col) => col.physical) });
  dropIndexOnRollback(c, table, index);
  for (const col of nullable) {
    const check = setNotNullOnline(c, table, col);
    c.plan.rollback.push({ sql: `ALTER TABLE ${c.q(table.physical)} DROP CONSTRAINT IF EXISTS ${ident(check)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
  }
  c.plan.warnings.push(`${c.where}: ${what} holds for old-release writes from start on: a duplicate${nullable.length ? ' or a NULL' : ''} in (${columns.map((col) => col.name).join(', ')}) is refused`);
}

/** Contract, after the key's columns are NOT NULL: the built index becomes the primary key. */
export function primaryKeyUsingIndex(c: Compiler, table: TableShape, constraint: string, index: string): void {
  const renamed = index === constraint ? '' : `; renames index ${ident(index)} to ${ident(constraint)}`;
  c.plan.contract.push({ sql: `ALTER TABLE ${c.q(table.physical)} ADD CONSTRAINT ${ident(constraint)} PRIMARY KEY USING INDEX ${ident(index)}`, lock: `ACCESS EXCLUSIVE, catalog only${renamed}` });
}
