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

/** Every constraint name of a table before the migration: primary key, unique, check, foreign key, exclusion. */
function namesBefore(table: CatalogTable | undefined): string[] {
  if (!table) return [];
  return [
    ...(table.primaryKey ? [table.primaryKey] : []),
    ...table.indexes.filter((i) => i.constraint).map((i) => i.name),
    ...(table.constraints ?? []).map((k) => k.name),
  ];
}

/** The constraint names each table has while a migration compiles: before it, plus those its operations give. */
const takenNames = new WeakMap<Compiler, Map<string, Set<string>>>();

function taken(c: Compiler, table: TableShape): Set<string> {
  let tables = takenNames.get(c);
  if (!tables) takenNames.set(c, (tables = new Map()));
  let names = tables.get(table.physical);
  if (!names) tables.set(table.physical, (names = new Set(namesBefore(table.before))));
  return names;
}

/**
 * A constraint name is unique per table, and one with an index (unique, primary key) names that
 * index too, in the schema's one namespace of relations: a clash would fail half-way through
 * start, so it is refused up front, naming the field that gave the name.
 */
export function claimConstraintName(c: Compiler, table: TableShape, name: string, field: string, indexed: boolean): void {
  const names = taken(c, table);
  if (names.has(name)) c.fail(`${field}: table "${table.name}" already has a constraint "${name}"`, 'choose another name');
  if (indexed && (c.catalog.relations ?? []).includes(name)) {
    c.fail(`${field}: the constraint's index would be named "${name}", and a table or index of that name exists already`, 'choose another name');
  }
  names.add(name);
}

/** A constraint this migration replaces (dropped with its column at contract) frees its name for the replacement. */
export function releaseConstraintName(c: Compiler, table: TableShape, name: string): void {
  taken(c, table).delete(name);
}
