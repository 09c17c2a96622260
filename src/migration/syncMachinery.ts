import { ident, qualified } from '../db/sql.js';
import { namedFunctionName, namedFunctionSql, namedTriggerName, namedTriggerSql } from './namedColumns.js';
import { MARKER_COLUMN, filledColumns, type Step, type TableSync } from './plan.js';
import { SKIP_DURING_BACKFILL, syncTriggers } from './syncTrigger.js';

export interface SyncMachinery {
  /** Expand: the marker column, the sync trigger and, per filled column, its named-column trigger. */
  install: Step[];
  /** Contract and rollback: the triggers and their functions. */
  remove: Step[];
  /** Contract (after renames) and rollback: the marker column. */
  dropMarker: Step;
}

/** Everything that keeps one table's two shapes in sync while a migration is expanded. */
export function syncMachinery(schema: string, migration: string, versionSchema: string, sync: TableSync): SyncMachinery {
  const table = qualified(schema, sync.table);
  const triggers = syncTriggers(schema, migration, versionSchema, sync);
  const install: Step[] = [
    { sql: `ALTER TABLE ${table} ADD COLUMN ${ident(MARKER_COLUMN)} "char"`, lock: 'ACCESS EXCLUSIVE, catalog only' },
    ...triggers.flatMap((t) => [
      { sql: t.functionSql, lock: 'none' },
      { sql: `CREATE TRIGGER ${ident(t.trigger)} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW WHEN (${SKIP_DURING_BACKFILL}) EXECUTE FUNCTION ${t.fn}()`, lock: 'SHARE ROW EXCLUSIVE, catalog only' },
    ]),
  ];
  const remove: Step[] = triggers.flatMap((t) => [
    { sql: `DROP TRIGGER IF EXISTS ${ident(t.trigger)} ON ${table}`, lock: 'ACCESS EXCLUSIVE, catalog only' },
    { sql: `DROP FUNCTION IF EXISTS ${t.fn}()`, lock: 'none' },
  ]);
  // The columns that rows not yet backfilled get filled: a trigger each notes when an UPDATE names one.
  const filled = filledColumns(sync);
  if (filled.length) {
    const named = `midair.${ident(namedFunctionName(migration, sync.table))}`;
    install.push(
      { sql: namedFunctionSql(named), lock: 'none' },
      ...filled.map((a, k) => ({ sql: namedTriggerSql(namedTriggerName(migration, k), table, a.column, named, k, SKIP_DURING_BACKFILL), lock: 'SHARE ROW EXCLUSIVE, catalog only' })),
    );
    remove.push(
      ...filled.map((_, k) => ({ sql: `DROP TRIGGER IF EXISTS ${ident(namedTriggerName(migration, k))} ON ${table}`, lock: 'ACCESS EXCLUSIVE, catalog only' })),
      { sql: `DROP FUNCTION IF EXISTS ${named}()`, lock: 'none' },
    );
  }
  return { install, remove, dropMarker: { sql: `ALTER TABLE ${table} DROP COLUMN IF EXISTS ${ident(MARKER_COLUMN)}`, lock: 'ACCESS EXCLUSIVE, catalog only' } };
}
