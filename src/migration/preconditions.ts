import { ident, literal } from '../db/sql.js';
import type { ColumnShape, Compiler, TableShape } from './compiler.js';

/**
 * Preconditions for constraints over data that exists before start. Only columns and tables that
 * exist already can be checked up front; a constraint on values that `up` computes is proved by
 * verify and by the build itself.
 */

/** The columns exist before this migration (none is added or changed by it), in a table that exists. */
export function existedBefore(table: TableShape, columns: ColumnShape[]): boolean {
  return !table.created && columns.every((c) => !c.added);
}

/** "id=7" or "a=1, b=2": how the user finds the row (the key verify shows too). */
function rowKey(table: TableShape, alias: string): string {
  if (table.key.length === 0) return `'ctid=' || ${alias}.ctid::text`;
  return `concat_ws(', ', ${table.key.map((k) => `${literal(`${k}=`)} || ${alias}.${ident(k)}::text`).join(', ')})`;
}

/** A unique constraint or index: value sets that more than one row holds (NULLs never collide). */
export function uniqueValues(c: Compiler, table: TableShape, columns: ColumnShape[], what: string, where?: string, hint?: string): void {
  uniqueKeyValues(c, table, columns.map((col) => ({ label: col.name, sql: ident(col.physical) })), what, { where, hint });
}

/** One key of a unique index: how the user names it, and its SQL over physical columns (a column or an expression). */
export interface UniqueKey {
  label: string;
  sql: string;
}

/** uniqueValues over keys that may be expressions; with nullsNotDistinct, NULLs collide like values. */
export function uniqueKeyValues(c: Compiler, table: TableShape, keys: UniqueKey[], what: string, options: { where?: string; nullsNotDistinct?: boolean; hint?: string } = {}): void {
  const cols = keys.map((k) => k.sql);
  const shown = keys.map((k) => `${literal(`${k.label}=`)} || quote_nullable((${k.sql})::text)`).join(`, `);
  const conditions = [...(options.nullsNotDistinct ? [] : cols.map((col) => `(${col}) IS NOT NULL`)), ...(options.where ? [`(${options.where})`] : [])];
  c.preconditions.push({
    sql: `SELECT concat_ws(', ', ${shown}) || ' in ' || count(*) || ' rows' AS example FROM ${c.q(table.physical)}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''} GROUP BY ${cols.join(', ')} HAVING count(*) > 1`,
    failure: (n) => `${c.where}: ${what} on "${table.name}" (${keys.map((k) => k.label).join(', ')}) cannot be built: ${n} values are held by more than one row`,
    hint: options.hint ?? 'remove or change the duplicates first, or give "column" and "up" to rewrite the values',
  });
}

/** Rows for which `broken` (over physical columns, table alias "o") is true. */
export function rowsBreaking(c: Compiler, table: TableShape, broken: string, what: string, hint: string): void {
  c.preconditions.push({
    sql: `SELECT ${rowKey(table, 'o')} AS example FROM ${c.q(table.physical)} AS o WHERE ${broken}`,
    failure: (n) => `${c.where}: ${n} rows of "${table.name}" break ${what}`,
    hint,
  });
}
