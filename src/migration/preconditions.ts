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
export function uniqueValues(
  c: Compiler, table: TableShape, columns: ColumnShape[], what: string, where?: string,
  hint = 'remove or change the duplicates first, or give "column" and "up" to rewrite the values',
): void {
  const cols = columns.map((col) => ident(col.physical));
  const shown = columns.map((col) => `${literal(`${col.name}=`)} || quote_literal(${ident(col.physical)}::text)`).join(`, `);
  const conditions = [...cols.map((col) => `${col} IS NOT NULL`), ...(where ? [`(${where})`] : [])].join(' AND ');
  c.preconditions.push({
    sql: `SELECT concat_ws(', ', ${shown}) || ' in ' || count(*) || ' rows' AS example FROM ${c.q(table.physical)} WHERE ${conditions} GROUP BY ${cols.join(', ')} HAVING count(*) > 1`,
    failure: (n) => `${c.where}: ${what} on "${table.name}" (${columns.map((col) => col.name).join(', ')}) cannot be built: ${n} values are held by more than one row`,
    hint,
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
