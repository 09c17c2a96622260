import { literal, qualified } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import { requireEnum } from '../migration/enumTypes.js';
import type { RenameEnumValue } from '../migration/types.js';

/**
 * An enum value has one label at a time, for every reader and writer: renamed at start, the old
 * release's writes of the old label would fail. So the label changes at complete, in the contract
 * transaction (catalog only), when only the new release is left; until then both releases read
 * and write the old label. Nothing to undo on rollback. For both labels at once, change the
 * column to a new enum with up and down mapping them (docs/operations.md, "Evolving an enum").
 */
export function renameEnumValue(c: Compiler, o: RenameEnumValue): void {
  const type = requireEnum(c, o.enum, 'enum');
  if (type.created) c.fail(`enum: enum type "${o.enum}" is created earlier in this same migration`, `give the value its new name in op.createEnum instead`);
  const at = type.values.indexOf(o.from);
  if (at < 0) c.fail(`from: enum type "${o.enum}" has no value "${o.from}"`, `its values: ${type.values.map((v) => `"${v}"`).join(', ')}`);
  if (type.values.includes(o.to)) c.fail(`to: enum type "${o.enum}" already has a value "${o.to}"`, 'choose another label for "to"');
  type.values[at] = o.to;
  c.plan.contract.push({ sql: `ALTER TYPE ${qualified(c.schema, o.enum)} RENAME VALUE ${literal(o.from)} TO ${literal(o.to)}`, lock: 'EXCLUSIVE on the type only, catalog only' });
  c.plan.warnings.push(`${c.where}: "${o.from}" of enum "${o.enum}" is renamed "${o.to}" at complete: until then both releases read and write "${o.from}"`);
}
