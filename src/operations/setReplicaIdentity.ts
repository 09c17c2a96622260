import type { ReplicaIdentity } from '../catalog/read.js';
import { ident } from '../db/sql.js';
import type { Compiler, TableShape } from '../migration/compiler.js';
import type { SetReplicaIdentity } from '../migration/types.js';

const LOCK = 'ACCESS EXCLUSIVE, catalog only';

function clause(identity: ReplicaIdentity): string {
  return typeof identity === 'object' ? `USING INDEX ${ident(identity.index)}` : identity.toUpperCase();
}

function describe(identity: ReplicaIdentity): string {
  return typeof identity === 'object' ? `using index "${identity.index}"` : identity;
}

/** What PostgreSQL checks of an index before it lets it be a replica identity. */
interface IndexFacts {
  unique: boolean;
  partial: boolean;
  expressions: boolean;
  deferrable: boolean;
  /** Its columns that may hold NULL when the identity is set. */
  nullable: string[];
}

/** Why the index cannot be one, in its words: nothing when it can. */
function problems(facts: IndexFacts): string[] {
  return [
    ...(facts.unique ? [] : ['it is not unique']),
    ...(facts.partial ? ['it is partial (WHERE)'] : []),
    ...(facts.expressions ? ['it has expressions'] : []),
    ...(facts.deferrable ? ['it backs a DEFERRABLE constraint'] : []),
    ...(facts.nullable.length ? [`its columns ${facts.nullable.map((n) => `"${n}"`).join(', ')} may hold NULL`] : []),
  ];
}

/**
 * The facts of the index `name` of the table, and whether this migration builds it (then the
 * identity can only be set once the build is done, in the online steps after it).
 */
function indexFacts(c: Compiler, table: TableShape, name: string): { facts: IndexFacts; built: boolean } {
  const before = table.before;
  // A column this migration adds is NOT NULL only from contract on.
  const nullableAtStart = (physical: string) => table.columns.find((col) => col.physical === physical)?.added || (before?.columns.find((b) => b.name === physical)?.nullable ?? true);
  if (before?.primaryKey === name) return { facts: { unique: true, partial: false, expressions: false, deferrable: false, nullable: [] }, built: false };
  const existing = before?.indexes.find((i) => i.name === name);
  if (existing) {
    return {
      facts: {
        unique: existing.unique, partial: Boolean(existing.partial), expressions: Boolean(existing.expressions), deferrable: Boolean(existing.deferrable),
        nullable: existing.columns.filter(nullableAtStart),
      },
      built: false,
    };
  }
  const built = c.builtIndexes.find((b) => b.table === table.physical && b.name === name);
  if (built) {
    const nullable = built.columns.filter(nullableAtStart).map((physical) => table.columns.find((col) => col.physical === physical)?.name ?? physical);
    return { facts: { unique: built.unique, partial: Boolean(built.partial), expressions: Boolean(built.expressions), deferrable: false, nullable }, built: true };
  }
  const candidates = [...(before?.primaryKey ? [before.primaryKey] : []), ...(before?.indexes ?? []).filter((i) => i.unique).map((i) => i.name)];
  return c.fail(
    `identity.index: table "${table.name}" has no index "${name}"`,
    `its unique indexes: ${candidates.join(', ') || 'none'}; an index this migration builds must be built by an operation before this one`,
  );
}

/**
 * Catalog only, at start: the identity is a property of the table, shared by both releases, and
 * logical replication needs it in place before complete drops what the old one used (e.g. a
 * primary key). An index this migration builds becomes the identity right after its build.
 * Rollback restores the identity the table had before the migration.
 */
export function setReplicaIdentity(c: Compiler, o: SetReplicaIdentity): void {
  const table = c.table(o.table);
  const previous = table.replicaIdentity ?? 'default';
  if (clause(previous) === clause(o.identity)) c.fail(`table "${table.name}" has replica identity ${describe(previous)} already`, 'leave this operation out');
  const t = c.q(table.physical);
  let built = false;
  if (typeof o.identity === 'object') {
    const index = indexFacts(c, table, o.identity.index);
    const wrong = problems(index.facts);
    if (wrong.length) {
      c.fail(
        `identity.index: index "${o.identity.index}" cannot be the replica identity of "${table.name}": ${wrong.join(', ')}`,
        'a replica identity index must be unique, not partial, not deferrable, without expressions, over NOT NULL columns: choose such an index, or identity: \'full\'',
      );
    }
    built = index.built;
  }
  (built ? c.plan.expandOnline : c.plan.expand).push({ sql: `ALTER TABLE ${t} REPLICA IDENTITY ${clause(o.identity)}`, lock: LOCK });
  // A column copy made earlier would make the old identity's index the identity again at complete.
  if (table.identityRestore) {
    c.afterRename.splice(c.afterRename.indexOf(table.identityRestore), 1);
    delete table.identityRestore;
  }
  table.replicaIdentity = o.identity;
  if (table.created) return;
  // Every such operation restores the identity from before the migration: undo runs newest first.
  const restore = { sql: `ALTER TABLE ${t} REPLICA IDENTITY ${clause(table.before?.replicaIdentity ?? 'default')}`, lock: LOCK };
  // An index this migration builds is dropped online, before the rollback transaction: the identity
  // must leave it first, or a published table would refuse every UPDATE and DELETE in between.
  if (built) c.plan.rollbackOnline.unshift(restore);
  else c.plan.rollback.push(restore);
}
