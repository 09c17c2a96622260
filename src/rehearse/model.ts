import type { CatalogTable } from '../catalog/read.js';
import { ident } from '../db/sql.js';
import type { Plan, TableSync, ViewTable } from '../migration/plan.js';
import type { Migration } from '../migration/types.js';
import type { LedgerTable } from '../workload/ledger.js';
import type { ColumnFacts } from './columns.js';
import { namesIn } from '../db/sqlTokens.js';

interface ShapeColumn {
  name: string;
  physical: string;
  type: string;
}

/** One table as one shape shows it: the name a query uses and the columns it knows. */
interface Shape {
  table: string;
  columns: ShapeColumn[];
  key: ShapeColumn[];
}

/**
 * The statements one shape runs against one table. Reads return `v`, the compared fields of the
 * final shape as text (the old shape computes them with the migration's `up`), so the client's
 * compare of the two shapes is meaningful. Writes return the row's key and, per field of the final
 * shape, the text value the write must leave there; `null` means this shape cannot do this kind of
 * write here without inventing data (see `notes`).
 */
export interface ShapeStatements {
  /** $1.. the row's key. */
  read: string;
  /** $1.. the row's key, then the key of the row whose values it copies (when `copiesFrom`). */
  update: { sql: string; copiesFrom: boolean } | null;
  /** $1.. the key of the row it clones, then a suffix that keeps unique text values unique (when `suffix`). */
  insert: { sql: string; suffix: boolean } | null;
  delete: string;
  /** Final-shape names of the values writes return. */
  fields: string[];
}

export interface RehearsalTable {
  /** Name in the final shape. */
  name: string;
  ledger: LedgerTable;
  old: ShapeStatements;
  new: ShapeStatements;
  /** Final-shape names of the fields both shapes' reads return. */
  compared: string[];
  notes: string[];
}

/** Tables the migration names that exist before it and still exist after it. */
export function touchedTables(migration: Migration, plan: Plan, catalog: CatalogTable[]): { before: CatalogTable; view: ViewTable; sync: TableSync | null }[] {
  const named = new Set<string>();
  for (const o of migration.operations) {
    if ('table' in o && typeof o.table === 'string') named.add(o.table);
    if (o.kind === 'renameTable') named.add(o.from);
  }
  return catalog
    .filter((t) => named.has(t.name) && t.key.length > 0)
    .flatMap((before) => {
      const view = plan.views.find((v) => v.physical === before.name);
      return view ? [{ before, view, sync: plan.sync.find((s) => s.table === before.name) ?? null }] : [];
    });
}

const TEXT_TYPES = /^(text|citext|character varying)\b/;

const keyWhere = (key: ShapeColumn[], first: number, alias = '') =>
  `(${key.map((k) => alias + ident(k.name)).join(', ')}) = (${key.map((k, i) => `$${first + i}::${k.type}`).join(', ')})`;

const keyText = (key: ShapeColumn[]) => `ARRAY[${key.map((k) => `${ident(k.name)}::text`).join(', ')}]`;

/**
 * Writes copy values between existing rows, so they are real values of the right type that
 * satisfy the table's checks and foreign keys; `sensitive` columns (unique, or feeding a unique
 * column of the other shape) keep their own value instead, and inserts make them unique with a
 * suffix (text only). `expected` gives, per final field, its expected value over the written row.
 */
function statements(shape: Shape, facts: Map<string, ColumnFacts>, sensitive: Set<string>, expected: { field: string; sql: string }[], readValues: string[], notes: string[], side: string): ShapeStatements {
  const table = ident(shape.table);
  const k = shape.key.length;
  const keyNames = new Set(shape.key.map((c) => c.name));
  const writable = shape.columns.filter((c) => !keyNames.has(c.name) && !facts.get(c.physical)?.readOnly);
  const varied = writable.filter((c) => !sensitive.has(c.name));
  const fixed = writable.filter((c) => sensitive.has(c.name));
  const list = (cs: ShapeColumn[], alias = '') => cs.map((c) => alias + ident(c.name)).join(', ');
  const returning = `RETURNING ${list(shape.columns)}`;
  const result = `SELECT ${keyText(shape.key)} AS key, ARRAY[${expected.map((e) => e.sql).join(', ')}]::text[] AS v FROM w`;

  let update: ShapeStatements['update'] = null;
  if (writable.length) {
    const set = [
      ...(varied.length ? [`(${list(varied)}) = (SELECT ${list(varied, 's.')} FROM ${table} AS s WHERE ${keyWhere(shape.key, k + 1, 's.')})`] : []),
      ...fixed.map((c) => `${ident(c.name)} = ${ident(c.name)}`),
    ];
    update = { sql: `WITH w AS (UPDATE ${table} SET ${set.join(', ')} WHERE ${keyWhere(shape.key, 1)} ${returning}) ${result}`, copiesFrom: varied.length > 0 };
  }

  let insert: ShapeStatements['insert'] = null;
  const keyWithoutDefault = shape.key.find((c) => !facts.get(c.physical)?.hasDefault);
  const notText = fixed.find((c) => !TEXT_TYPES.test(c.type));
  if (keyWithoutDefault) notes.push(`${side} shape: no inserts into "${shape.table}": key column "${keyWithoutDefault.name}" has no default to give a new row its key`);
  else if (notText) notes.push(`${side} shape: no inserts into "${shape.table}": unique column "${notText.name}" (${notText.type}) would need a new value the rehearsal cannot invent`);
  else if (writable.length) {
    const values = writable.map((c) => (sensitive.has(c.name) ? `s.${ident(c.name)} || $${k + 1}` : `s.${ident(c.name)}`));
    insert = {
      sql: `WITH w AS (INSERT INTO ${table} (${list(writable)}) SELECT ${values.join(', ')} FROM ${table} AS s WHERE ${keyWhere(shape.key, 1, 's.')} ${returning}) ${result}`,
      suffix: fixed.length > 0,
    };
  }
  return {
    read: `SELECT ARRAY[${readValues.join(', ')}]::text[] AS v FROM ${table} WHERE ${keyWhere(shape.key, 1)}`,
    update,
    insert,
    delete: `DELETE FROM ${table} WHERE ${keyWhere(shape.key, 1)} RETURNING ${keyText(shape.key)} AS key`,
    fields: expected.map((e) => e.field),
  };
}

/**
 * The rehearsal's statements for one table, for both shapes. Before start (`newShapeBuilt`
 * false) the unique indexes of the new shape do not exist yet, so every column an `up` reads is
 * treated as feeding one (kept as it is, no clones); afterwards the catalog says which do.
 */
export function rehearsalTable(t: { before: CatalogTable; view: ViewTable; sync: TableSync | null }, facts: Map<string, ColumnFacts>, newShapeBuilt: boolean): RehearsalTable {
  const { before, view, sync } = t;
  const up = sync?.up ?? [];
  const down = sync?.down ?? [];
  const oldShape: Shape = {
    table: before.name,
    columns: before.columns.map((c) => ({ name: c.name, physical: c.name, type: c.type })),
    key: before.key.map((name) => ({ name, physical: name, type: before.columns.find((c) => c.name === name)!.type })),
  };
  const newShape: Shape = {
    table: view.name,
    columns: view.columns,
    key: before.key.map((physical) => view.columns.find((c) => c.physical === physical)!),
  };
  const unique = (c: ShapeColumn) => facts.get(c.physical)?.unique === true;
  const oldNames = oldShape.columns.map((c) => c.name);
  const named = (expression: string, names: string[]) => names.filter((n) => namesIn(expression).has(n));
  const newUnique = new Set(newShape.columns.filter(unique).map((c) => c.physical));
  const sensitiveOld = new Set([
    ...oldShape.columns.filter(unique).map((c) => c.name),
    ...up.filter((a) => !newShapeBuilt || newUnique.has(a.column)).flatMap((a) => named(a.expression, oldNames)),
  ]);
  const sensitiveNew = new Set([
    ...newShape.columns.filter(unique).map((c) => c.name),
    ...down.filter((a) => sensitiveOld.has(a.column)).flatMap((a) => named(a.expression, newShape.columns.map((c) => c.name))),
  ]);
  // A write through the old shape leaves up(row) in a new column and its own value in a column both shapes share.
  const expectedOld = newShape.columns.flatMap((c) => {
    const a = up.find((x) => x.column === c.physical);
    if (a) return [{ field: c.name, sql: `((${a.expression})::${c.type})::text` }];
    return oldNames.includes(c.physical) ? [{ field: c.name, sql: `${ident(c.physical)}::text` }] : [];
  });
  const expectedNew = newShape.columns.map((c) => ({ field: c.name, sql: `${ident(c.name)}::text` }));
  // Reads compare what the old shape determines: the new shape's fields that `up` computes or that both shapes share.
  const compared = expectedOld.map((e) => e.field);
  const notes: string[] = [];
  const old = statements(oldShape, facts, sensitiveOld, expectedOld, expectedOld.map((e) => e.sql), notes, 'old');
  return {
    name: view.name,
    ledger: { name: view.name, key: newShape.key.map((c) => ({ name: c.name, type: c.type })) },
    // Before start, a clone could duplicate a value a new unique index is about to require unique.
    old: newShapeBuilt || up.length === 0 ? old : { ...old, insert: null },
    new: statements(newShape, facts, sensitiveNew, expectedNew, compared.map((f) => `${ident(f)}::text`), notes, 'new'),
    compared,
    notes,
  };
}
