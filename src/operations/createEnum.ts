import { literal, qualified } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import type { CreateEnum, Migration } from '../migration/types.js';

/** The statement that creates the type: run by expand, and by the checks before start so later operations can name it. */
function createEnumStatement(schema: string, o: CreateEnum): string {
  return `CREATE TYPE ${qualified(schema, o.name)} AS ENUM (${o.values.map(literal).join(', ')})`;
}

/** The types a migration creates, as statements (with the index of their operation) for the checks before start, which are always rolled back. */
export function typesCreatedBy(migration: Migration, schema: string): { index: number; sql: string }[] {
  return migration.operations.flatMap((o, index) => (o.kind === 'createEnum' ? [{ index, sql: createEnumStatement(schema, o) }] : []));
}

/**
 * A new type is seen by nobody until the expand transaction commits, and no lock on a table is
 * taken: it is created at start, so columns of this and later operations may use it, and dropped
 * on rollback, after the columns that use it.
 */
export function createEnum(c: Compiler, o: CreateEnum): void {
  if (c.enums.some((e) => e.name === o.name)) c.fail(`name: schema "${c.schema}" already has an enum type "${o.name}"`, 'choose another name, or use op.addEnumValue to add values to it');
  // A table's row type has the table's name.
  if (c.tables.some((t) => t.name === o.name || t.physical === o.name)) c.fail(`name: "${o.name}" is the name of a table, whose row type takes that name`, 'choose another name');
  c.enums.push({ name: o.name, values: [...o.values], created: true });
  const type = qualified(c.schema, o.name);
  c.plan.expand.push({ sql: createEnumStatement(c.schema, o), lock: 'none (a new type)' });
  c.plan.rollback.push({ sql: `DROP TYPE IF EXISTS ${type}`, lock: 'none (nothing uses it any more)' });
}
