import { ident, shortName } from '../db/sql.js';
import { carryOver } from './carryOver.js';
import { canonicalType } from '../migration/typeNames.js';
import { COMMENT_LOCK, commentOnColumn } from './columnOptions.js';
import { commentOf, type ColumnShape, type Compiler, type TableShape } from '../migration/compiler.js';
import { checkNameOf, releaseConstraintName } from './constraintNames.js';
import { constrainNewColumn, type ColumnConstraints } from './constraints.js';

export interface Duplicate extends ColumnConstraints {
  newName: string;
  type: string;
  default: string | null;
  up: string;
  down: string;
  /** A new collation; absent: the old column's, unless the type changes (then the new type's default). */
  collation?: string;
  /** A new comment (null: none); absent: the old column's (as an earlier operation of the migration leaves it). */
  comment?: string | null;
}

/**
 * The expand/contract core of every in-place change: a new physical column beside the old one,
 * filled by `up` from old-release writes and backfill, feeding `down` back for new-release
 * writes; contract drops the old column and gives the new one its final name.
 */
export function duplicateColumn(c: Compiler, table: TableShape, column: ColumnShape, d: Duplicate, names: { dropped?: string } = {}): void {
  if (column.added) c.fail(`column "${column.name}" is added or changed earlier in this same migration; put the whole change in one operation`);
  if (table.key.includes(column.physical)) c.fail(`column "${column.name}" is part of the key of "${table.name}"; changing key columns is not supported yet`);
  const before = table.before?.columns.find((b) => b.name === column.physical);
  if (before?.identity) {
    c.fail(
      `column "${column.name}" is an identity column; its copy could not take over the identity sequence online`,
      'change it in two steps: add a new column (with its own sequence or identity) and drop the old one, or leave the column as it is',
    );
  }
  if (column.identityBy) {
    c.fail(`column "${column.name}" becomes an identity column by ${column.identityBy}; a copy of it could not take over the identity sequence online`, 'make this change in another migration, after this one completes');
  }
  const physical = c.physicalNameFor(table, d.newName);
  const t = c.q(table.physical);
  const col = ident(physical);
  // Dropping the old column at contract drops its collation and comment with it: the copy carries them from start.
  const keptCollation = before?.collation && before.collation !== 'default' && canonicalType(d.type) === canonicalType(before.type) ? before.collation : undefined;
  const collation = d.collation ?? keptCollation;
  const collate = collation === undefined ? '' : ` COLLATE ${ident(collation)}`;
  c.plan.expand.push({ sql: `ALTER TABLE ${t} ADD COLUMN ${col} ${d.type}${collate}`, lock: 'ACCESS EXCLUSIVE, catalog only (no rewrite)' });
  // The comment given here, else the one an earlier operation of this migration sets, else the old column's.
  const comment = d.comment !== undefined ? d.comment : commentOf(table, column);
  if (comment !== null) c.plan.expand.push({ sql: commentOnColumn(c, table.physical, physical, comment), lock: COMMENT_LOCK });
  if (d.default !== null) c.plan.expand.push({ sql: `ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT (${d.default})`, lock: 'ACCESS EXCLUSIVE, catalog only' });
  c.plan.rollback.push({ sql: `ALTER TABLE ${t} DROP COLUMN IF EXISTS ${col}`, lock: 'ACCESS EXCLUSIVE, catalog only' });

  const sync = c.sync(table);
  sync.up.push({ column: physical, expression: d.up, source: c.where });
  sync.down.push({ column: column.physical, expression: d.down, source: c.where });
  // A serial column's sequence goes with the old column unless the copy, whose default uses it, owns it first.
  if (before?.ownedSequence) c.plan.contract.push({ sql: `ALTER SEQUENCE ${before.ownedSequence} OWNED BY ${t}.${col}`, lock: 'catalog only' });
  c.plan.contract.push({ sql: `ALTER TABLE ${t} DROP COLUMN ${ident(column.physical)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
  const replacedCheck = d.check ? checkNameOf(d.check, shortName(table.name, d.newName, 'check')) : undefined;
  if (replacedCheck) replaceCheck(c, table, column, replacedCheck);
  carryOver(c, table, column.physical, { physical, type: d.type }, replacedCheck, names.dropped);
  c.refuseIndexBuiltOn(table, column);
  c.refuseConstraintAddedOn(table, column);

  const replacement: ColumnShape = { name: d.newName, physical, type: d.type, nullable: d.nullable !== false, added: true, default: d.default };
  table.columns[table.columns.indexOf(column)] = replacement;
  constrainNewColumn(c, table, replacement, d);
}

/**
 * The check the operation gives replaces a check of the same name on the old column (it goes with
 * that column at contract); a constraint of that name of any other kind or on other columns stays,
 * and its name is refused when the check is added.
 */
function replaceCheck(c: Compiler, table: TableShape, column: ColumnShape, name: string): void {
  const existing = table.before?.constraints?.find((k) => k.name === name);
  if (existing?.kind === 'check' && existing.columns.includes(column.physical)) releaseConstraintName(c, table, name);
}
