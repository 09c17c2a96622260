import { literal, qualified } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import { requireEnum } from '../migration/enumTypes.js';
import type { AddEnumValue } from '../migration/types.js';

/**
 * ALTER TYPE ... ADD VALUE in the expand transaction: a catalog-only change under a lock on the
 * type alone, so the new release may write the value from start on. PostgreSQL can never take a
 * value out of an enum (the only way is to rebuild the type and rewrite every table that uses
 * it), so rollback leaves it in the type and the plan says so; a change that must roll back
 * exactly creates a new enum and changes the column to it (docs/operations.md, "Evolving an enum").
 */
export function addEnumValue(c: Compiler, o: AddEnumValue): void {
  const type = requireEnum(c, o.enum, 'enum');
  if (type.created) c.fail(`enum: enum type "${o.enum}" is created earlier in this same migration`, `list "${o.value}" in the values of its op.createEnum instead`);
  if (type.values.includes(o.value)) {
    c.fail(`value: enum type "${o.enum}" already has the value "${o.value}"`, 'leave out this operation (a value added by a migration that was rolled back stays in the type)');
  }
  if (o.before !== undefined && o.after !== undefined) c.fail('give "before" or "after", not both');
  const field = o.before !== undefined ? 'before' : 'after';
  const anchor = o.before ?? o.after;
  let position = type.values.length;
  if (anchor !== undefined) {
    const at = type.values.indexOf(anchor);
    if (at < 0) c.fail(`${field}: enum type "${o.enum}" has no value "${anchor}"`, `its values: ${type.values.map((v) => `"${v}"`).join(', ')}`);
    position = field === 'before' ? at : at + 1;
  }
  type.values.splice(position, 0, o.value);
  const placed = anchor === undefined ? '' : ` ${field.toUpperCase()} ${literal(anchor)}`;
  c.plan.expand.push({ sql: `ALTER TYPE ${qualified(c.schema, o.enum)} ADD VALUE ${literal(o.value)}${placed}`, lock: 'EXCLUSIVE on the type only (reads and writes go on), catalog only' });
  c.plan.warnings.push(
    `${c.where}: rollback cannot take "${o.value}" out of enum "${o.enum}" (PostgreSQL cannot remove a value from an enum): after a rollback the value stays in the type, and rows written with it keep it`,
  );
}
