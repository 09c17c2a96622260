import { ident, literal, shortName } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import type { SetPrimaryKey } from '../migration/types.js';
import { claimConstraintName, markConstraintChanged, refuseChangedConstraint } from './constraintNames.js';
import { buildPrimaryKeyIndex, primaryKeyColumns, primaryKeyUsingIndex } from './primaryKey.js';

/**
 * The new key's index is built at start beside the old key, which stays until contract: it keeps
 * the old release's guarantees and remains the key that sync and backfill walk. In the contract
 * transaction the old constraint is dropped (its index with it) and the new index becomes the key.
 */
export function setPrimaryKey(c: Compiler, o: SetPrimaryKey): void {
  const table = c.table(o.table);
  const columns = primaryKeyColumns(c, table, o.columns, 'columns');
  const old = table.before?.primaryKey;
  if (!old) c.fail(`table "${table.name}" has no primary key to change`, `add one with op.addConstraint({ table: ${JSON.stringify(table.name)}, name, primaryKey: [...] })`);
  const oldColumns = table.before!.key;
  if (columns.length === oldColumns.length && columns.every((col, i) => col.physical === oldColumns[i])) {
    c.fail(`columns: (${o.columns.join(', ')}) is already the primary key of "${table.name}"`, o.name && o.name !== old ? 'to rename the key, use op.renameConstraint' : 'leave out this operation');
  }
  refuseChangedConstraint(c, table, old);
  const name = o.name ?? old;
  if (name !== old) claimConstraintName(c, table, name, 'name', true);
  markConstraintChanged(c, table, old, `${c.where} replaces the primary key "${old}"`);
  // DROP CONSTRAINT fails on what is bound to the old key: a foreign key referencing it (bound to
  // its index), a view that groups by it. Found in pg_depend, so each is named as PostgreSQL would.
  c.preconditions.push({
    sql: `SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS example FROM pg_constraint k
            JOIN pg_depend d ON d.deptype = 'n' AND ((d.refclassid = 'pg_constraint'::regclass AND d.refobjid = k.oid) OR (d.refclassid = 'pg_class'::regclass AND d.refobjid = k.conindid))
           WHERE k.conrelid = to_regclass(${literal(c.q(table.physical))}) AND k.conname = ${literal(old)} ORDER BY 1`,
    failure: (n) => `${c.where}: ${n} objects depend on the primary key "${old}" of "${table.name}", which complete drops`,
    hint: `drop each first, or point it elsewhere, in an earlier migration: a foreign key at a unique constraint on (${oldColumns.join(', ')}), a view that groups by the key at all the columns it selects`,
  });
  // DROP CONSTRAINT would silently leave a replica identity USING INDEX of the old key without an
  // index: logical replication could then no longer send updates and deletes of the table.
  c.preconditions.push({
    sql: `SELECT 'REPLICA IDENTITY USING INDEX ' || quote_ident(k.conname) AS example FROM pg_constraint k JOIN pg_index i ON i.indexrelid = k.conindid
           WHERE k.conrelid = to_regclass(${literal(c.q(table.physical))}) AND k.conname = ${literal(old)} AND i.indisreplident`,
    failure: () => `${c.where}: the replica identity of "${table.name}" is the index of its primary key "${old}", which complete drops`,
    hint: 'set REPLICA IDENTITY DEFAULT (it follows the primary key, the new one after complete) or USING INDEX another unique index first, in an earlier migration',
  });
  // The old key's index keeps its name until contract: a key keeping the name is built under another.
  const index = name === old ? shortName('_midair_new', name) : name;
  buildPrimaryKeyIndex(c, table, columns, name, index);
  c.plan.contract.push({ sql: `ALTER TABLE ${c.q(table.physical)} DROP CONSTRAINT ${ident(old)}`, lock: `ACCESS EXCLUSIVE, catalog only; drops the old key's index ${ident(old)}` });
  primaryKeyUsingIndex(c, table, name, index);
}
