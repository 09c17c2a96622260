import { ident } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import type { RenameConstraint } from '../migration/types.js';
import { claimConstraintName, constraintsBefore, markConstraintChanged, refuseChangedConstraint } from './constraintNames.js';

/**
 * Constraint names belong to the table, not to the views, so the new name arrives at complete,
 * in the contract transaction; until then both releases see the old one. Nothing to undo.
 */
export function renameConstraint(c: Compiler, o: RenameConstraint): void {
  const table = c.table(o.table);
  refuseChangedConstraint(c, table, o.from, 'from');
  const constraints = constraintsBefore(table.before);
  const renamed = constraints.find((k) => k.name === o.from);
  if (!renamed) c.fail(`table "${table.name}" has no constraint "${o.from}"`, `its constraints: ${constraints.map((k) => k.name).sort().join(', ') || 'none'}`);
  claimConstraintName(c, table, o.to, 'to', false);
  // The index takes the new name too, in the schema's one namespace of relations.
  if (renamed.index !== undefined && (c.catalog.relations ?? []).includes(o.to)) {
    c.fail(`to: the index of constraint "${o.from}" would be renamed "${o.to}", and a table or index of that name exists already`, 'choose another name for "to"');
  }
  markConstraintChanged(c, table, o.from, `${c.where} renames "${o.from}"`);
  markConstraintChanged(c, table, o.to, `${c.where} renames "${o.from}" to "${o.to}"`);
  c.plan.contract.push({ sql: `ALTER TABLE ${c.q(table.physical)} RENAME CONSTRAINT ${ident(o.from)} TO ${ident(o.to)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
}
