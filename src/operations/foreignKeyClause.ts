import type { ColumnShape, Compiler, TableShape } from '../migration/compiler.js';
import type { ForeignKeyOptions, ForeignKeySpec } from '../migration/types.js';

/**
 * What follows `REFERENCES table (columns)`: MATCH, the actions and deferrability, in the order
 * pg_get_constraintdef() prints them. `local` are the referencing columns, `field` names the
 * foreign key in messages.
 */
export function foreignKeyClause(c: Compiler, o: ForeignKeyOptions, local: ColumnShape[], field: string): string {
  if (o.initiallyDeferred && o.deferrable === false) {
    c.fail(`${field}: "initiallyDeferred" needs a deferrable foreign key, and "deferrable" is false`, 'leave out "deferrable" (initiallyDeferred implies it) or "initiallyDeferred"');
  }
  // The server accepts these and fails only when a referenced row is deleted or changed.
  for (const [when, action] of [['onDelete', o.onDelete], ['onUpdate', o.onUpdate]] as const) {
    const notNull = action === 'SET NULL' ? local.find((col) => !col.nullable) : undefined;
    if (notNull) c.fail(`${field}.${when}: SET NULL on column "${notNull.name}", which is NOT NULL`, `make "${notNull.name}" nullable, or choose another action`);
  }
  const clauses = [
    o.match && `MATCH ${o.match}`,
    o.onUpdate && `ON UPDATE ${o.onUpdate}`,
    o.onDelete && `ON DELETE ${o.onDelete}`,
    (o.deferrable || o.initiallyDeferred) && 'DEFERRABLE',
    o.initiallyDeferred && 'INITIALLY DEFERRED',
  ];
  return clauses.filter(Boolean).map((clause) => ` ${clause}`).join('');
}

/** A foreign key's columns, in its table and in the one it references: as many on each side. `field` names it in messages. */
export function foreignKeyColumns(c: Compiler, table: TableShape, fk: ForeignKeySpec, field: string): { local: ColumnShape[]; target: TableShape; referenced: ColumnShape[] } {
  const local = fk.columns.map((name) => c.column(table, name, `${field}.columns`));
  const target = c.table(fk.references.table, `${field}.references.table`);
  const referenced = fk.references.columns.map((name) => c.column(target, name, `${field}.references.columns`));
  if (local.length !== referenced.length) c.fail(`${field}: ${local.length} columns reference ${referenced.length} columns`, 'give as many "references.columns" as "columns"');
  return { local, target, referenced };
}
