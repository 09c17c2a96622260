import { ident } from '../db/sql.js';
import { closest } from '../migration/closest.js';
import { defaultOf, type Compiler, type TableShape } from '../migration/compiler.js';
import type { DropConstraint } from '../migration/types.js';
import { duplicateColumn } from './duplicateColumn.js';
import { constraintsBefore, markConstraintChanged, refuseChangedConstraint } from './constraintNames.js';

const sameColumns = (a: string[], b: string[]) => a.length === b.length && a.every((col) => b.includes(col));

/** "orders_qty_not_null" or "qty": what a user may call the NOT NULL of a column, which is no named constraint before PostgreSQL 18. */
function notNullColumn(table: TableShape, name: string): string | undefined {
  return table.columns.find((col) => !col.nullable && (name === col.name || name === `${table.name}_${col.name}_not_null`))?.name;
}

/**
 * The constraint keeps holding for both releases until complete, then the contract transaction
 * drops it (catalog only); rollback has nothing to undo. With `column` and `down`, the new shape
 * is free of it at once: its copy of the column has no such constraint, and `down` gives the old
 * column, which keeps it, a value that satisfies it.
 */
export function dropConstraint(c: Compiler, o: DropConstraint): void {
  const table = c.table(o.table);
  if (table.created) c.fail(`table: "${table.name}" is created by this same migration`, 'leave the constraint out of its createTable instead');
  refuseChangedConstraint(c, table, o.name, 'name');
  const all = constraintsBefore(table.before);
  const k = all.find((d) => d.name === o.name);
  if (!k) {
    const column = notNullColumn(table, o.name);
    if (column) c.fail(`name: "${o.name}" is the NOT NULL of column "${column}", which is no constraint to drop`, `use op.alterColumn({ table: '${table.name}', column: '${column}', nullable: true })`);
    const incoming = table.before?.referencedBy?.find((r) => r.name === o.name);
    if (incoming) c.fail(`name: "${o.name}" is a foreign key of table "${incoming.table}", which references "${table.name}"`, `give table: '${incoming.table}'`);
    const names = all.map((d) => d.name).sort();
    const meant = closest(o.name, names);
    c.fail(`name: table "${table.name}" has no constraint "${o.name}"`, `${meant ? `did you mean "${meant}"? ` : ''}its constraints: ${names.join(', ') || 'none'}`);
  }
  if (k.index) {
    const index = k.index;
    const reference = table.before?.referencedBy?.find((r) => (r.index === undefined ? sameColumns(r.columns, k.columns) : r.index === index));
    if (reference) {
      c.fail(`name: foreign key "${reference.name}" of table "${reference.table}" references the ${k.kind} "${k.name}" of "${table.name}"`, `drop that foreign key first (op.dropConstraint on "${reference.table}", in an earlier migration), or keep the ${k.kind}`);
    }
    const identity = table.replicaIdentity;
    if (typeof identity === 'object' && identity.index === index) {
      c.fail(
        `name: the index of ${k.kind} "${k.name}" is the replica identity of "${table.name}": dropping it would leave logical replication no old values of updated or deleted rows`,
        `set another replica identity first, with op.setReplicaIdentity before this operation (e.g. identity: 'full')`,
      );
    }
    // Backfill and verify walk the table by its key until contract, then the key's constraint would go.
    if (sameColumns(k.columns, table.key) && (k.kind === 'primary key' || !table.before?.primaryKey)) {
      if (c.plan.sync.some((s) => s.table === table.physical)) {
        c.fail(`name: table "${table.name}" must be synced by its key (${table.key.join(', ')}) for an earlier operation, and this drops its constraint "${k.name}" at complete`, 'drop that constraint in a migration of its own, after this one completes');
      }
      // A later operation that needs the sync is refused by Compiler.sync.
      table.keyDroppedBy = `${c.where} drops "${k.name}"`;
    }
  }
  if (k.kind === 'primary key' && (table.replicaIdentity ?? 'default') === 'default') {
    c.plan.warnings.push(`${c.where}: after complete "${table.name}" has replica identity default and no primary key, so logical replication logs no old key of updated or deleted rows; a publication of its updates or deletes then makes them fail: set one with op.setReplicaIdentity in this migration`);
  }
  table.droppedConstraints = [...(table.droppedConstraints ?? []), k.name];
  markConstraintChanged(c, table, k.name, `${c.where} drops "${k.name}"`);
  const t = c.q(table.physical);
  c.plan.contract.push({
    sql: `ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${ident(k.name)}`,
    lock: k.kind === 'foreign key' ? 'ACCESS EXCLUSIVE on both tables, catalog only' : `ACCESS EXCLUSIVE, catalog only${k.index ? ' (its index goes with it)' : ''}`,
  });
  if (o.column === undefined && o.down === undefined) return;
  if (o.column === undefined) c.fail('"down" needs "column": the column of the constraint that the new shape gets free of it');
  if (o.down === undefined) c.fail(`"column" needs "down": the value the old column gets from a new-release write, one that "${k.name}" accepts`);
  if (k.kind === 'primary key') c.fail(`column: a primary key cannot be dropped with "column" and "down": Midair walks and matches rows by its columns`, `leave out "column" and "down": the primary key then holds until complete`);
  const column = c.column(table, o.column, 'column');
  if (!k.columns.includes(column.physical)) {
    c.fail(`column: "${o.column}" is not a column of the ${k.kind} "${k.name}"`, `its columns: ${k.columns.join(', ')}`);
  }
  duplicateColumn(c, table, column, {
    newName: column.name, type: column.type, default: defaultOf(table, column),
    nullable: column.nullable, up: ident(column.physical), down: o.down,
  }, { dropped: k.name });
}
