import { qualified } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import type { DropIndex } from '../migration/types.js';

/**
 * Kept until complete, so the old release keeps what it gives (a unique index keeps enforcing);
 * then dropped CONCURRENTLY after the contract transaction. Rollback has nothing to undo.
 */
export function dropIndex(c: Compiler, o: DropIndex): void {
  const table = c.table(o.table);
  const indexes = table.before?.indexes ?? [];
  const index = indexes.find((i) => i.name === o.name);
  const exclusion = table.before?.constraints?.some((k) => k.kind === 'exclusion' && k.name === o.name);
  if (index?.constraint || exclusion) {
    c.fail(`index "${o.name}" backs the constraint "${o.name}" of "${table.name}"`, `drop the constraint instead, with op.dropConstraint({ table: '${table.name}', name: '${o.name}' }); its index goes with it`);
  }
  if (!index) {
    const names = indexes.map((i) => i.name);
    c.fail(`table "${table.name}" has no index "${o.name}" that can be dropped (a primary key's index goes with its constraint)`, `its indexes: ${names.join(', ') || 'none'}`);
  }
  // A foreign key depends on the unique index it was created over: DROP INDEX would fail after contract.
  const sameColumns = (columns: string[]) => columns.length === index.columns.length && columns.every((col) => index.columns.includes(col));
  const reference = index.unique ? table.before?.referencedBy?.find((r) => sameColumns(r.columns)) : undefined;
  if (reference) {
    c.fail(`index "${o.name}" may be what foreign key "${reference.name}" of "${reference.table}" references`, 'drop that foreign key first (in an earlier migration), or keep the index');
  }
  // PostgreSQL cannot drop a partitioned table's index CONCURRENTLY: catalog only, in contract.
  if (table.before?.partitions?.length) {
    c.plan.contract.push({ sql: `DROP INDEX IF EXISTS ${qualified(c.schema, o.name)}`, lock: 'ACCESS EXCLUSIVE on the partitioned table and its partitions, catalog only' });
    return;
  }
  c.plan.contractOnline.push({ sql: `DROP INDEX CONCURRENTLY IF EXISTS ${qualified(c.schema, o.name)}`, lock: 'SHARE UPDATE EXCLUSIVE (reads and writes go on)' });
}
