import type { Catalog } from '../catalog/read.js';
import { ident } from '../db/sql.js';
import { addColumn } from '../operations/addColumn.js';
import { addConstraint } from '../operations/addConstraint.js';
import { alterColumn } from '../operations/alterColumn.js';
import { createIndex } from '../operations/createIndex.js';
import { createTable } from '../operations/createTable.js';
import { dropColumn } from '../operations/dropColumn.js';
import { dropTable } from '../operations/dropTable.js';
import { rawSql } from '../operations/rawSql.js';
import { renameColumn } from '../operations/renameColumn.js';
import { renameTable } from '../operations/renameTable.js';
import { Compiler, type Precondition } from './compiler.js';
import { MARKER_COLUMN, filledColumns, type Plan } from './plan.js';
import { namedFunctionName, namedFunctionSql, namedTriggerName, namedTriggerSql } from './namedColumns.js';
import { createVersionSchema, dropVersionSchema } from './versionSchema.js';
import { SKIP_DURING_BACKFILL, syncFunctionName, syncFunctionSql, syncTriggerName } from './syncTrigger.js';
import type { Migration, Operation } from './types.js';

export function versionSchemaName(schema: string, migration: string): string {
  return `${schema}_${migration}`;
}

function compileOperation(c: Compiler, o: Operation): void {
  switch (o.kind) {
    case 'addColumn': return addColumn(c, o);
    case 'dropColumn': return dropColumn(c, o);
    case 'renameColumn': return renameColumn(c, o);
    case 'alterColumn': return alterColumn(c, o);
    case 'createTable': return createTable(c, o);
    case 'dropTable': return dropTable(c, o);
    case 'renameTable': return renameTable(c, o);
    case 'createIndex': return createIndex(c, o);
    case 'addConstraint': return addConstraint(c, o);
    case 'sql': return rawSql(c, o);
  }
}

export interface Compiled {
  plan: Plan;
  preconditions: Precondition[];
}

/** Pure: the same migration and catalog always give the same plan, so complete and rollback can recompile it. */
export function compile(migration: Migration, catalog: Catalog): Compiled {
  const versionSchema = versionSchemaName(catalog.schema, migration.name);
  const c = new Compiler(catalog, migration.name, versionSchema);
  migration.operations.forEach((o, i) => {
    c.at(i, o);
    const built = c.plan.expandOnline.length;
    compileOperation(c, o);
    for (const step of c.plan.expandOnline.slice(built)) if (step.index) c.claimRelationName(step.index);
  });
  const { plan } = c;
  const q = (t: string) => c.q(t);
  // Undo runs newest first, after the version schema and the sync machinery are gone.
  const undoOperations = plan.rollback.splice(0).reverse();

  // Sync: scopes, marker, trigger function and trigger per table.
  for (const sync of plan.sync) {
    const table = c.tables.find((t) => t.physical === sync.table);
    const before = catalog.tables.find((t) => t.name === sync.table)!;
    sync.oldScope = before.columns.map((col) => ({ name: col.name, physical: col.name, type: col.type }));
    sync.newScope = table ? c.scopeOf(table.columns) : [];
    plan.expand.push({ sql: `ALTER TABLE ${q(sync.table)} ADD COLUMN ${ident(MARKER_COLUMN)} "char"`, lock: 'ACCESS EXCLUSIVE, catalog only' });
    const fn = `midair.${ident(syncFunctionName(migration.name, sync.table))}`;
    const trigger = ident(syncTriggerName(migration.name));
    plan.expand.push(
      { sql: syncFunctionSql(catalog.schema, migration.name, versionSchema, sync), lock: 'none' },
      { sql: `CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON ${q(sync.table)} FOR EACH ROW WHEN (${SKIP_DURING_BACKFILL}) EXECUTE FUNCTION ${fn}()`, lock: 'SHARE ROW EXCLUSIVE, catalog only' },
    );
    const drop = [
      { sql: `DROP TRIGGER IF EXISTS ${trigger} ON ${q(sync.table)}`, lock: 'ACCESS EXCLUSIVE, catalog only' },
      { sql: `DROP FUNCTION IF EXISTS ${fn}()`, lock: 'none' },
    ];
    // The columns that rows not yet backfilled get filled: a trigger each notes when an UPDATE names one.
    const filled = filledColumns(sync);
    if (filled.length) {
      const named = `midair.${ident(namedFunctionName(migration.name, sync.table))}`;
      plan.expand.push(
        { sql: namedFunctionSql(named), lock: 'none' },
        ...filled.map((a, k) => ({ sql: namedTriggerSql(namedTriggerName(migration.name, k), q(sync.table), a.column, named, k, SKIP_DURING_BACKFILL), lock: 'SHARE ROW EXCLUSIVE, catalog only' })),
      );
      drop.push(
        ...filled.map((_, k) => ({ sql: `DROP TRIGGER IF EXISTS ${ident(namedTriggerName(migration.name, k))} ON ${q(sync.table)}`, lock: 'ACCESS EXCLUSIVE, catalog only' })),
        { sql: `DROP FUNCTION IF EXISTS ${named}()`, lock: 'none' },
      );
    }
    plan.contract.unshift(...drop);
    plan.rollback.push(...drop);
    const dropMarker = { sql: `ALTER TABLE ${q(sync.table)} DROP COLUMN IF EXISTS ${ident(MARKER_COLUMN)}`, lock: 'ACCESS EXCLUSIVE, catalog only' };
    c.afterRename.push(dropMarker);
    plan.rollback.push(dropMarker);
  }

  // The version schema: one view per table of the new shape.
  plan.views = c.tables.map((t) => ({ name: t.name, physical: t.physical, columns: c.scopeOf(t.columns) }));
  plan.expand.push(...createVersionSchema(catalog.schema, versionSchema, plan.views));
  // Rollback drops the views first: they depend on the columns and tables that undo drops.
  plan.rollback.unshift(...dropVersionSchema(versionSchema, plan.views));

  // Contract: after drops, physical names become the new shape's names.
  for (const table of c.tables) {
    for (const col of table.columns) {
      if (col.physical !== col.name) plan.contract.push({ sql: `ALTER TABLE ${q(table.physical)} RENAME COLUMN ${ident(col.physical)} TO ${ident(col.name)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
    }
  }
  plan.contract.push(...c.afterRename);
  for (const table of c.tables) {
    if (table.physical !== table.name) plan.contract.push({ sql: `ALTER TABLE ${q(table.physical)} RENAME TO ${ident(table.name)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
  }
  plan.rollback.push(...undoOperations);
  return { plan, preconditions: c.preconditions };
}
