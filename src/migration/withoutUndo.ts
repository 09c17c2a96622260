import { firstLine } from '../db/sql.js';
import { operationLabel } from './compiler.js';
import type { Migration } from './types.js';

/**
 * The steps of a migration that rollback cannot undo: each op.sql with `up` and no `down`, as
 * "operation 2 (sql) `CREATE FUNCTION ...`", in the order they ran.
 */
export function stepsWithoutUndo(migration: Migration): string[] {
  return migration.operations.flatMap((o, i) => (o.kind === 'sql' && o.up !== undefined && o.down === undefined ? [`${operationLabel(i, o.kind)} \`${firstLine(o.up)}\``] : []));
}
