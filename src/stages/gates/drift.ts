import { readCatalog, type Catalog, type CatalogIndex, type CatalogTable } from '../../catalog/read.js';
import type { Queryable } from '../../db/executor.js';
import { MidairRefusal } from '../../errors.js';
import { MARKER_COLUMN, type Plan } from '../../migration/plan.js';
import type { Migration } from '../../migration/types.js';
import { claimedTables } from '../../migration/claims.js';
import { passed, refused, type Gate } from '../gate.js';

/** The existing tables a migration changes, by their names before it started (claims hold both names of a renamed table). */
function touchedTables(definition: Migration, plan: Plan, before: Catalog): CatalogTable[] {
  const names = new Set([...plan.sync.map((s) => s.table), ...claimedTables(definition)]);
  return before.tables.filter((t) => names.has(t.name));
}

const describeIndex = (i: CatalogIndex) => `${i.unique ? 'unique ' : ''}${i.method} (${i.columns.join(', ')})`;

/**
 * The differences between the touched tables as they are and as the migration left them: the
 * catalog stored at start plus the columns and indexes the migration itself added. With
 * `validIndexes` (every valid index of the schema), the indexes the migration built must be among
 * them: complete renames them; rollback drops them if they exist (a start interrupted while
 * building them leaves some missing).
 */
export function catalogDrift(definition: Migration, plan: Plan, before: Catalog, live: Catalog, validIndexes: Set<string> | null): string[] {
  const built = new Set(plan.expandOnline.flatMap((s) => [s.index, s.builds].filter((name): name is string => Boolean(name))));
  const differences: string[] = [];
  for (const table of touchedTables(definition, plan, before)) {
    const now = live.tables.find((t) => t.name === table.name);
    if (!now) {
      differences.push(`table "${table.name}" is gone`);
      continue;
    }
    const added = new Set(plan.views.find((v) => v.physical === table.name)?.columns.map((c) => c.physical).filter((c) => !table.columns.some((b) => b.name === c)));
    if (plan.sync.some((s) => s.table === table.name)) added.add(MARKER_COLUMN);
    for (const column of table.columns) {
      const current = now.columns.find((c) => c.name === column.name);
      if (!current) differences.push(`column "${table.name}"."${column.name}" (${column.type}) was dropped`);
      else if (current.type !== column.type) differences.push(`column "${table.name}"."${column.name}" is ${current.type} now, was ${column.type}`);
    }
    for (const name of added) {
      if (!now.columns.some((c) => c.name === name)) differences.push(`column "${table.name}"."${name}", added by this migration, was dropped`);
    }
    for (const current of now.columns) {
      if (!table.columns.some((c) => c.name === current.name) && !added.has(current.name)) differences.push(`column "${table.name}"."${current.name}" (${current.type}) was added by someone else`);
    }
    for (const index of table.indexes) {
      const current = now.indexes.find((i) => i.name === index.name);
      if (!current) differences.push(`index "${index.name}" on "${table.name}" ${describeIndex(index)} was dropped`);
      else if (describeIndex(current) !== describeIndex(index)) differences.push(`index "${index.name}" on "${table.name}" is ${describeIndex(current)} now, was ${describeIndex(index)}`);
    }
    for (const current of now.indexes) {
      if (!table.indexes.some((i) => i.name === current.name) && !built.has(current.name)) differences.push(`index "${current.name}" on "${table.name}" ${describeIndex(current)} was added by someone else`);
    }
  }
  if (validIndexes) {
    for (const name of built) if (!validIndexes.has(name)) differences.push(`index "${name}", built by this migration, is missing or invalid`);
  }
  return differences;
}

async function validIndexNames(db: Queryable, schema: string): Promise<Set<string>> {
  const rows = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND i.indisvalid`,
    [schema],
  );
  return new Set(rows.map((r) => r.name));
}

/** Refuses to complete or roll back a migration whose tables someone else changed since start. */
export function driftGate(moving: 'complete' | 'rollback'): Gate {
  return {
    name: 'drift',
    forceable: true,
    async check({ db, record, plan }) {
      const live = await readCatalog(db, record.schema);
      // The live catalog leaves partial and expression indexes out; the migration may build those.
      const validIndexes = moving === 'complete' ? await validIndexNames(db, record.schema) : null;
      const differences = catalogDrift(record.definition, plan, record.catalog, live, validIndexes);
      if (differences.length === 0) return passed({ differences: 0 });
      const refusal = new MidairRefusal(
        'drift',
        `the tables of migration "${record.name}" changed since it started, so ${moving} could break or lose them:\n  ${differences.join('\n  ')}`,
        `undo the change, or run \`midair ${moving} --force --reason "<why>"\` to ${moving} anyway (recorded in the audit log)`,
        { drift: differences },
      );
      return refused(refusal, { differences: differences.length });
    },
  };
}
