import { shortName } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import { existedBefore, uniqueKeyValues } from '../migration/preconditions.js';
import type { CreateIndex } from '../migration/types.js';
import { buildIndex, dropIndexOnRollback } from './indexBuild.js';
import { includedColumns, indexClauses, probeIndex, refuseNullsNotDistinctBefore15, renderElement, type RenderedElement } from './indexDefinition.js';

/** Built CONCURRENTLY after expand: reads and writes go on while it builds. */
export function createIndex(c: Compiler, o: CreateIndex): void {
  const table = c.table(o.table);
  const elements = o.columns.map((e, i) => renderElement(c, table, e, 'columns', i));
  const include = includedColumns(c, table, o.include, 'include');
  if (o.nullsNotDistinct) {
    if (!o.unique) c.fail('nullsNotDistinct: only a unique index can treat NULLs as equal', 'add unique: true, or leave out nullsNotDistinct');
    refuseNullsNotDistinctBefore15(c);
  }
  // Stable: the same migration always names it alike. An expression has no name of its own.
  const name = o.name ?? shortName(table.name, ...o.columns.map((e) => (typeof e === 'string' ? e : e.column ?? 'expr')), 'idx');
  const usingClause = o.method ? ` USING ${o.method}` : '';
  const clauses = indexClauses(include, Boolean(o.nullsNotDistinct), o.with, o.where);
  const body = (keys: RenderedElement[], withClauses = true) => `${usingClause} (${keys.map((k) => k.sql).join(', ')})${withClauses ? clauses : ''}`;
  const create = `CREATE ${o.unique ? 'UNIQUE ' : ''}INDEX`;
  probeIndex(c, table, `the index "${name}"`, elements, (probe, keys, withClauses) => `${create} ON ${probe}${body(keys, withClauses)}`);

  const keyReads = new Set(elements.flatMap((e) => e.reads));
  const read = new Set([...keyReads, ...include]);
  const columns = table.columns.filter((col) => read.has(col.physical));
  // Only the key decides what collides: INCLUDE columns added by this migration do not matter.
  if (o.unique && existedBefore(table, table.columns.filter((col) => keyReads.has(col.physical)))) {
    uniqueKeyValues(c, table, elements.map((e) => ({ label: e.label, sql: e.key })), `the unique index "${name}"`, { where: o.where, nullsNotDistinct: o.nullsNotDistinct });
  }
  const plain = elements.flatMap((e) => (e.column === undefined ? [] : [e.column]));
  buildIndex(c, table, {
    name, unique: Boolean(o.unique), columns: plain, body: body(elements).trimStart(), reads: [...read],
    partial: o.where !== undefined, expressions: plain.length < elements.length,
  });
  // An index on a column this migration adds goes with that column.
  if (!columns.some((col) => col.added)) dropIndexOnRollback(c, table, name);
}
