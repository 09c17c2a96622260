import { ident, qualified, shortName } from '../db/sql.js';
import type { Compiler, TableShape } from '../migration/compiler.js';

export interface IndexSpec {
  name: string;
  unique: boolean;
  /** Physical names of the key's plain columns, in order. */
  columns: string[];
  /** The definition after the table name ("USING gist (...) INCLUDE (...) WHERE (...)"), when it is more than the plain columns. */
  body?: string;
  /** Every physical column the index reads (expressions, INCLUDE), for the plan's estimate; default columns. */
  reads?: string[];
  /** It has a predicate (WHERE) or expression keys: what a replica identity index may not have. */
  partial?: boolean;
  expressions?: boolean;
}

const ONLINE = 'SHARE UPDATE EXCLUSIVE (reads and writes go on)';

/** The index a partition gets for a partitioned table's index: named after both, so it never collides. */
function partitionIndexName(partition: string, index: string): string {
  return shortName(partition, index);
}

/**
 * Builds an index without blocking writes. PostgreSQL cannot build one CONCURRENTLY on a
 * partitioned table, so there it is created invalid ON ONLY the parent (catalog only), built
 * CONCURRENTLY on each leaf partition and attached level by level; once every partition's index
 * is attached the parent's becomes valid. Every step is idempotent, so a re-run after a crash
 * resumes: a leaf build killed half-way is dropped and rebuilt, an attached index stays attached.
 */
export function buildIndex(c: Compiler, table: TableShape, spec: IndexSpec): void {
  const tail = ` ${spec.body ?? `(${spec.columns.map(ident).join(', ')})`}`;
  const create = `CREATE ${spec.unique ? 'UNIQUE ' : ''}INDEX`;
  c.builtIndexes.push({ table: table.physical, by: c.where, ...spec });
  const partitions = table.before?.partitions;
  if (!partitions?.length) {
    c.plan.expandOnline.push({ sql: `${create} CONCURRENTLY IF NOT EXISTS ${ident(spec.name)} ON ${c.q(table.physical)}${tail}`, lock: ONLINE, index: spec.name, scans: { table: table.physical, work: 'index build', columns: spec.reads ?? spec.columns } });
    return;
  }
  const key = table.before?.partitionKey ?? [];
  if (spec.unique && !key.every((k) => spec.columns.includes(k))) {
    c.fail(`a unique index on partitioned table "${table.name}" must include its partition key (${key.join(', ')})`, 'add the partition key columns to the unique columns');
  }
  // Not resumable by drop-and-rebuild: a partitioned index cannot be dropped CONCURRENTLY, and an
  // invalid one is what this step leaves by design until every partition is attached.
  c.claimRelationName(spec.name);
  c.plan.expandOnline.push({ sql: `${create} IF NOT EXISTS ${ident(spec.name)} ON ONLY ${c.q(table.physical)}${tail}`, lock: 'SHARE on the partitioned table only, catalog only (its partitions are not touched)', builds: spec.name });
  for (const p of partitions) {
    const name = partitionIndexName(p.name, spec.name);
    c.plan.expandOnline.push(
      p.leaf
        ? { sql: `${create} CONCURRENTLY IF NOT EXISTS ${ident(name)} ON ${c.q(p.name)}${tail}`, lock: ONLINE, index: name, scans: { table: p.name, work: 'index build' as const, columns: spec.reads ?? spec.columns } }
        : { sql: `${create} IF NOT EXISTS ${ident(name)} ON ONLY ${c.q(p.name)}${tail}`, lock: 'SHARE on the sub-partitioned table only, catalog only' },
    );
    if (!p.leaf) c.claimRelationName(name);
  }
  for (const p of [...partitions].reverse()) {
    const parentIndex = p.parent === table.physical ? spec.name : partitionIndexName(p.parent, spec.name);
    c.plan.expandOnline.push({ sql: `ALTER INDEX ${qualified(c.schema, parentIndex)} ATTACH PARTITION ${qualified(c.schema, partitionIndexName(p.name, spec.name))}`, lock: 'catalog only' });
  }
}

/** Rollback of an index this migration built (when no column it is on goes with the rollback anyway). */
export function dropIndexOnRollback(c: Compiler, table: TableShape, name: string): void {
  const partitions = table.before?.partitions;
  if (!partitions?.length) {
    c.plan.rollbackOnline.push({ sql: `DROP INDEX CONCURRENTLY IF EXISTS ${qualified(c.schema, name)}`, lock: ONLINE });
    return;
  }
  // Undo runs newest first: the parent's index (with every attached one) goes first, then the
  // partitions' indexes a crash may have left unattached. Catalog only: nothing is scanned.
  for (const p of partitions) c.plan.rollback.push({ sql: `DROP INDEX IF EXISTS ${qualified(c.schema, partitionIndexName(p.name, name))}`, lock: 'ACCESS EXCLUSIVE on the partition, catalog only' });
  c.plan.rollback.push({ sql: `DROP INDEX IF EXISTS ${qualified(c.schema, name)}`, lock: 'ACCESS EXCLUSIVE on the partitioned table, catalog only' });
}

/**
 * Contract turns a unique index into a UNIQUE constraint, except on a partitioned table, where
 * PostgreSQL does not support ADD CONSTRAINT ... USING INDEX: there it stays a unique index,
 * which enforces the same and can be the target of a foreign key.
 */
export function uniqueConstraintFromIndex(c: Compiler, table: TableShape, name: string): void {
  if (table.before?.partitions?.length) {
    c.plan.warnings.push(`${c.where}: "${name}" on partitioned table "${table.name}" stays a unique index, not a UNIQUE constraint (PostgreSQL cannot attach an index as a constraint on a partitioned table)`);
    return;
  }
  c.plan.contract.push({ sql: `ALTER TABLE ${c.q(table.physical)} ADD CONSTRAINT ${ident(name)} UNIQUE USING INDEX ${ident(name)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
}

/** PostgreSQL before 18 cannot add a NOT VALID foreign key on a partitioned table, and a valid one would scan under lock. */
export function refuseForeignKeyOnPartitioned(c: Compiler, table: TableShape): void {
  if (table.before?.partitions?.length) {
    c.fail(`a foreign key on partitioned table "${table.name}" cannot be added without a long lock (PostgreSQL cannot add it NOT VALID there)`, 'add it by hand on each partition (NOT VALID, then VALIDATE), or in a quiet window with op.sql');
  }
}
