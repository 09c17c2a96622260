import type { ScriptResult } from '../../db/runScript.js';
import { formatCount } from './duration.js';

/** A value as JSON can hold it: bigints as strings, bytes as PostgreSQL's hex text. */
export function jsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  return value;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return value.toISOString();
  const json = jsonValue(value);
  return typeof json === 'object' ? JSON.stringify(json) : String(json);
}

/** Columns padded to their widest cell, a rule under the header, then the row count. */
function table(columns: string[], rows: unknown[][]): string {
  const cells = rows.map((row) => row.map(cell));
  const widths = columns.map((name, i) => Math.max(name.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join(' | ').trimEnd();
  const count = `(${formatCount(rows.length)} ${rows.length === 1 ? 'row' : 'rows'})`;
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...cells.map(line), count].join('\n');
}

/** Each statement's rows as a table, or its command tag (`INSERT 3`) when it returns none. */
export function formatScriptResults(results: ScriptResult[]): string {
  return results
    .map((r) => (r.columns.length > 0 ? table(r.columns, r.rows) + '\n' : `${r.command}${r.rowCount === null ? '' : ` ${r.rowCount}`}`))
    .join('\n')
    .trimEnd();
}
