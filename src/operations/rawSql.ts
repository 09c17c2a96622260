import { firstLine } from '../db/sql.js';
import { namesIn } from '../db/sqlTokens.js';
import type { Compiler } from '../migration/compiler.js';
import type { RawSql } from '../migration/types.js';

const RAW_LOCK = 'whatever the statement takes (raw SQL)';

/**
 * `up` runs in the expand transaction, but the concurrent index builds of the operations before
 * it run after that transaction: an `up` that names one of those indexes would run before it exists.
 */
function refuseIndexBuiltLater(c: Compiler, up: string): void {
  const names = namesIn(up);
  const built = c.plan.expandOnline.flatMap((s) => [s.index, s.builds]).filter((name): name is string => name !== undefined && names.has(name));
  if (built.length) {
    c.fail(
      `"up" names index "${built[0]}", which an operation before it builds concurrently after the expand transaction that runs "up"`,
      'move the op.sql before the operation that builds the index, or into a migration of its own after this one',
    );
  }
}

/**
 * Midair renames tables and columns at the end of the contract transaction (renameColumn,
 * renameTable, and the copies alterColumn swaps in), after every operation's own contract steps:
 * an `onComplete` that names one of them would see it under its name before the migration.
 */
function refuseRenamedLater(c: Compiler, onComplete: string): void {
  const names = namesIn(onComplete);
  for (const table of c.tables) {
    if (table.physical !== table.name && (names.has(table.name) || names.has(table.physical))) {
      c.fail(`"onComplete" names table "${table.name}", which an operation before it renames only at the end of the contract transaction, after "onComplete" runs`, 'move the op.sql before the rename (its onComplete then sees the old name), or into a migration of its own after this one');
    }
    const renamed = table.columns.find((col) => col.physical !== col.name && (names.has(col.name) || names.has(col.physical)));
    if (renamed) {
      c.fail(`"onComplete" names column "${table.name}"."${renamed.name}", which an operation before it renames only at the end of the contract transaction, after "onComplete" runs`, 'move the op.sql before that operation (its onComplete then sees the old name), or into a migration of its own after this one');
    }
  }
}

/**
 * For what no operation covers: `up` runs in the expand transaction and `down` on rollback (newest
 * first), `onComplete` in the contract transaction, each at the operation's place among the others' steps.
 */
export function rawSql(c: Compiler, o: RawSql): void {
  if (o.up !== undefined) {
    refuseIndexBuiltLater(c, o.up);
    c.plan.expand.push({ sql: o.up, lock: RAW_LOCK, raw: true });
    if (o.down !== undefined) c.plan.rollback.push({ sql: o.down, lock: RAW_LOCK, raw: true });
    else c.plan.warnings.push(`${c.where}: cannot be undone: it has no "down", so rollback refuses unless forced (\`midair rollback --force --reason "<why>"\`), which leaves the effect of \`${firstLine(o.up)}\` in place`);
    c.rawSqlBefore ??= c.where;
  }
  if (o.onComplete !== undefined) {
    refuseRenamedLater(c, o.onComplete);
    c.plan.contract.push({ sql: o.onComplete, lock: RAW_LOCK, raw: true });
  }
  c.plan.warnings.push(`${c.where}: raw SQL is run as written; Midair cannot show its locks or keep both shapes in sync for it`);
}
