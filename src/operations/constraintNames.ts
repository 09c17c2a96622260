import type { CatalogTable } from '../catalog/read.js';
import type { Compiler, TableShape } from '../migration/compiler.js';
import type { CheckSpec, UniqueSpec } from '../migration/types.js';

/** The expression of a check given plain or with its name. */
export function checkExpressionOf(check: CheckSpec): string {
  return typeof check === 'string' ? check : check.expression;
}

/** The name a check gets: the one the user gave, else `fallback`. */
export function checkNameOf(check: CheckSpec, fallback: string): string {
  return typeof check === 'string' ? fallback : check.name;
}

/** The name a unique constraint gets: the one the user gave, else `fallback`. */
export function uniqueNameOf(unique: UniqueSpec, fallback: string): string {
  return typeof unique === 'object' ? unique.name : fallback;
}

/** A constraint of a table before the migration; `index`: the index that carries its name and goes with it. */
export interface ConstraintBefore {
  name: string;
  kind: 'primary key' | 'unique' | 'check' | 'foreign key' | 'exclusion';
  /** Physical columns of this table it uses. */
  columns: string[];
  index?: string;
}

/** Every constraint of a table before the migration: primary key, unique, check, foreign key, exclusion. */
export function constraintsBefore(table: CatalogTable | undefined): ConstraintBefore[] {
  if (!table) return [];
  return [
    // A primary key's index always has the constraint's name.
    ...(table.primaryKey ? [{ name: table.primaryKey, kind: 'primary key' as const, columns: table.key, index: table.primaryKey }] : []),
    ...table.indexes.filter((i) => i.constraint).map((i) => ({ name: i.name, kind: 'unique' as const, columns: i.columns, index: i.name })),
    ...(table.constraints ?? []).map((k) => ({
      name: k.name,
      kind: k.kind === 'foreignKey' ? 'foreign key' as const : k.kind,
      columns: k.columns,
      ...(k.kind === 'exclusion' ? { index: k.name } : {}),
    })),
  ];
}

export interface TableNames {
  /** Names its constraints have: before the migration, plus those its operations give. */
  taken: Set<string>;
  /** Names of constraints the migration replaces: they hold the name until contract. */
  released: Set<string>;
  /** What an operation does to a named constraint, e.g. 'operation 1 (dropConstraint) drops "t_check"': a second change of it is refused. */
  changedBy: Map<string, string>;
}

function tableNames(c: Compiler, table: TableShape): TableNames {
  let names = c.constraintNames.get(table.physical);
  if (!names) c.constraintNames.set(table.physical, (names = { taken: new Set(constraintsBefore(table.before).map((k) => k.name)), released: new Set(), changedBy: new Map() }));
  return names;
}

/**
 * A constraint name is unique per table, and one with an index (unique, primary key) names that
 * index too, in the schema's one namespace of relations: a clash would fail half-way through
 * start, so it is refused up front, naming the field that gave the name.
 */
export function claimConstraintName(c: Compiler, table: TableShape, name: string, field: string, indexed: boolean): { replaces: boolean } {
  const { taken: names, released } = tableNames(c, table);
  if (names.has(name)) c.fail(`${field}: table "${table.name}" already has a constraint "${name}"`, `choose another name for "${field}"`);
  if (indexed && (c.catalog.relations ?? []).includes(name)) {
    c.fail(`${field}: the constraint's index would be named "${name}", and a table or index of that name exists already`, `choose another name for "${field}"`);
  }
  names.add(name);
  markConstraintChanged(c, table, name, `${c.where} adds "${name}"`);
  return { replaces: released.delete(name) };
}

/**
 * Each operation's steps are planned from the constraints before the migration: a constraint that
 * an earlier operation adds, replaces, renames or drops cannot be dropped or renamed again, as
 * contract would then drop the wrong one, or none, or fail.
 */
export function refuseChangedConstraint(c: Compiler, table: TableShape, name: string, field?: string): void {
  const changed = tableNames(c, table).changedBy.get(name);
  if (changed) c.fail(`${field ? `${field}: ` : ''}${changed} of table "${table.name}" earlier in this same migration`, 'change that constraint in a migration of its own, after this one completes');
}

/** Records what the current operation does to the constraint `name`, e.g. 'operation 2 (dropConstraint) drops "t_check"'. */
export function markConstraintChanged(c: Compiler, table: TableShape, name: string, what: string): void {
  tableNames(c, table).changedBy.set(name, what);
}

/**
 * A constraint this migration replaces (dropped with its column at contract) leaves its name to
 * the replacement; `claimConstraintName` tells the replacement, which holds a temporary name until then.
 */
export function releaseConstraintName(c: Compiler, table: TableShape, name: string): void {
  const { taken, released } = tableNames(c, table);
  if (taken.delete(name)) released.add(name);
}
