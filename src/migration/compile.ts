import type { Catalog } from '../catalog/read.js';
import { ident } from '../db/sql.js';
import { MidairError } from '../errors.js';
import { addColumn } from '../operations/addColumn.js';
import { addConstraint } from '../operations/addConstraint.js';
import { addEnumValue } from '../operations/addEnumValue.js';
import { alterColumn } from '../operations/alterColumn.js';
import { createEnum } from '../operations/createEnum.js';
import { createIndex } from '../operations/createIndex.js';
import { createTable } from '../operations/createTable.js';
import { dropColumn } from '../operations/dropColumn.js';
import { dropConstraint } from '../operations/dropConstraint.js';
import { dropEnum } from '../operations/dropEnum.js';
import { dropIndex } from '../operations/dropIndex.js';
import { dropTable } from '../operations/dropTable.js';
import { rawSql } from '../operations/rawSql.js';
import { renameColumn } from '../operations/renameColumn.js';
import { renameConstraint } from '../operations/renameConstraint.js';
import { renameEnumValue } from '../operations/renameEnumValue.js';
import { renameTable } from '../operations/renameTable.js';
import { setComment } from '../operations/setComment.js';
import { setPrimaryKey } from '../operations/setPrimaryKey.js';
import { setReplicaIdentity } from '../operations/setReplicaIdentity.js';
import { claimedTables, EVERY_TABLE } from './claims.js';
import { Compiler, type ColumnShape, type Precondition, type Probe, type TableShape } from './compiler.js';
import { isConstantDefault } from '../operations/constraints.js';
import type { Assignment, LazyView, NewOnlyColumn, Plan, TableSync, ViewTable } from './plan.js';
import { createVersionSchema, dropVersionSchema, viewOptions } from './versionSchema.js';
import { lazyViewContract, lazyViewRollback } from './lazyView.js';
import { droppedAtContract, type Dropped } from './dropped.js';
import { syncMachinery } from './syncMachinery.js';
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
    case 'dropIndex': return dropIndex(c, o);
    case 'addConstraint': return addConstraint(c, o);
    case 'renameConstraint': return renameConstraint(c, o);
    case 'dropConstraint': return dropConstraint(c, o);
    case 'setReplicaIdentity': return setReplicaIdentity(c, o);
    case 'setPrimaryKey': return setPrimaryKey(c, o);
    case 'sql': return rawSql(c, o);
    case 'createEnum': return createEnum(c, o);
    case 'dropEnum': return dropEnum(c, o);
    case 'addEnumValue': return addEnumValue(c, o);
    case 'renameEnumValue': return renameEnumValue(c, o);
    case 'setComment': return setComment(c, o);
  }
}

function newOnlyColumn(column: ColumnShape): NewOnlyColumn {
  if (column.default === undefined || column.default === null) return { physical: column.physical, insertValue: 'NULL' };
  // As the column's type: a default carried over from the old type is stored converted, and the
  // sync trigger compares it with the column.
  return isConstantDefault(column.default) ? { physical: column.physical, insertValue: `(${column.default})::${column.type}` } : { physical: column.physical };
}

/** Views that apply the caller's rights and row-level security exist from PostgreSQL 15 on. */
function supportsSecurityInvoker(catalog: Catalog): boolean {
  if ((catalog.serverVersion ?? 150000) >= 150000) return true;
  const guarded = catalog.tables.filter((t) => t.rowSecurity).map((t) => `"${t.name}"`);
  if (guarded.length) {
    throw new MidairError(
      `tables ${guarded.join(', ')} use row-level security, and the version schema's views on PostgreSQL ${Math.floor(catalog.serverVersion! / 10000)} would bypass it`,
      'upgrade to PostgreSQL 15 or later (views with security_invoker), or run this change without Midair',
    );
  }
  return false;
}

/**
 * Expressions the server found volatile before start (stored in the catalog) cannot be recomputed
 * by verify; the plan says so, and verify checks what it can for their columns instead.
 */
function markVolatile(catalog: Catalog, sync: TableSync, warnings: string[]): void {
  const mark = (a: Assignment, direction: 'up' | 'down', column: string) => {
    const because = catalog.volatile?.find((v) => v.expression === a.expression)?.because;
    if (!because) return;
    a.volatile = because;
    warnings.push(`${a.source}: "${direction}" for "${sync.table}"."${column}" is volatile (${because.join(', ')}): verify cannot recompute its values, so it checks only that a value is there where one is due`);
  };
  for (const a of sync.up) mark(a, 'up', sync.newScope.find((c) => c.physical === a.column)?.name ?? a.column);
  for (const a of sync.down) mark(a, 'down', a.column);
}

/**
 * A lazy migration shows rows not migrated yet through `up`, evaluated at each read: a value that
 * changes between evaluations would change between reads, so such columns are refused.
 */
function refuseUnstableUpcasts(sync: TableSync): void {
  for (const a of sync.fill) {
    throw new MidairError(
      `${a.source}: a lazy migration cannot give existing rows of "${sync.table}" the volatile default ${a.expression}: a row not migrated yet would show another value at every read`,
      'use a constant default, or an "up" whose value depends only on the row; or drop `lazy: true` and backfill before the new shape is used',
    );
  }
  for (const a of sync.up.filter((u) => u.volatile)) {
    throw new MidairError(
      `${a.source}: a lazy migration cannot upcast with the volatile "up" ${a.expression} (${a.volatile!.join(', ')}): a row not migrated yet would show another value at every read`,
      'make "up" depend only on the row, or drop `lazy: true` and backfill before the new shape is used',
    );
  }
}

/** How a lazy migration's view upcasts and writes one table, or nothing when none of its columns needs `up`. */
function lazyViewOf(catalog: Catalog, plan: Plan, view: ViewTable): LazyView | undefined {
  const sync = plan.sync.find((s) => s.table === view.physical);
  if (!sync || sync.up.length === 0) return undefined;
  const before = catalog.tables.find((t) => t.name === view.physical);
  const missing = sync.key.filter((k) => !view.columns.some((c) => c.physical === k));
  if (missing.length) {
    throw new MidairError(`a lazy migration writes "${view.name}" by its key, but the new shape has no column ${missing.map((k) => `"${k}"`).join(', ')} of it`, 'keep the key columns in the new shape, or drop `lazy: true`');
  }
  return {
    key: sync.key,
    upcast: sync.up.map((a) => ({ column: a.column, expression: a.expression })),
    identity: view.columns.some((c) => before?.columns.find((b) => b.name === c.physical)?.identity),
  };
}

export interface Compiled {
  plan: Plan;
  preconditions: Precondition[];
  /** What contract drops, for the check of what depends on it (src/catalog/dependents.ts). */
  dropped: Dropped;
  probes: Probe[];
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

  // Sync: the scopes each table's expressions see, and the triggers that evaluate them.
  for (const sync of plan.sync) {
    const table = c.tables.find((t) => t.physical === sync.table);
    const before = catalog.tables.find((t) => t.name === sync.table)!;
    sync.oldScope = before.columns.map((col) => ({ name: col.name, physical: col.name, type: col.type, nullable: col.nullable }));
    sync.newScope = table ? c.scopeOf(table.columns) : [];
    sync.newOnly = (table?.columns ?? []).filter((col) => col.added).map(newOnlyColumn);
    markVolatile(catalog, sync, plan.warnings);
    if (migration.lazy) refuseUnstableUpcasts(sync);
    const { install, remove, dropMarker } = syncMachinery(catalog.schema, migration.name, versionSchema, sync);
    plan.expand.push(...install);
    plan.contract.unshift(...remove);
    plan.rollback.push(...remove, dropMarker);
    c.afterRename.push(dropMarker);
  }

  // The version schema: one view per table the migration changes (see claims.ts), in its new shape;
  // the new release reaches every other table through the base schema, next in its search_path.
  const claimed = claimedTables(migration);
  const shown = (t: TableShape) => claimed.includes(EVERY_TABLE) || claimed.includes(t.name) || claimed.includes(t.physical);
  plan.views = c.tables.filter(shown).map((t) => ({ name: t.name, physical: t.physical, columns: c.scopeOf(t.columns) }));
  plan.hidden = catalog.tables.filter((t) => !c.tables.some((n) => n.name === t.name)).map((t) => t.name);
  const securityInvoker = supportsSecurityInvoker(catalog);
  const lazyViews: ViewTable[] = [];
  if (migration.lazy) {
    for (const view of plan.views) {
      view.lazy = lazyViewOf(catalog, plan, view);
      if (view.lazy) lazyViews.push(view);
    }
  }
  plan.expand.push(...createVersionSchema(plan, securityInvoker));
  // Rollback drops the views first: they depend on the columns and tables that undo drops.
  plan.rollback.unshift(...dropVersionSchema(plan), ...lazyViews.map((v) => lazyViewRollback(migration.name, v)));
  // Contract first turns lazy views plain: they read the old columns and the marker that it drops.
  plan.contract.unshift(...lazyViews.flatMap((v) => lazyViewContract(catalog.schema, versionSchema, migration.name, v, viewOptions(securityInvoker))));

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
  for (const t of catalog.staleTriggerBodies ?? []) {
    plan.warnings.push(`trigger "${t.trigger}" on "${t.table}" runs ${t.function}, whose body names column "${t.column}", which this migration drops or renames: after complete every write of "${t.table}" that fires it fails; before complete, change the function so it works without that name (e.g. read it through to_jsonb(NEW) ->> '${t.column}')`);
  }
  return { plan, preconditions: c.preconditions, probes: c.probes, dropped: droppedAtContract(catalog, c.tables, plan) };
}
