import type { CatalogColumn } from '../catalog/read.js';
import { ident, literal, qualified, shortName } from '../db/sql.js';
import type { ColumnShape, Compiler, TableShape } from '../migration/compiler.js';
import { canonicalType } from '../migration/typeNames.js';
import type { AlterColumn, Identity } from '../migration/types.js';
import { identityKind, sequenceOptions } from './columnOptions.js';

/** Text inside format()'s quoted format string: quotes doubled, % escaped. */
function inFormat(text: string): string {
  return text.replaceAll("'", "''").replaceAll('%', '%%');
}

const INTEGER_TYPES = ['smallint', 'integer', 'bigint'];

/** The fields that alterColumn may combine with identity: the rest would need a copy of the column, which cannot take over a sequence online. */
const COMBINABLE = new Set(['kind', 'table', 'column', 'name', 'comment', 'identity']);

/**
 * Turns an existing integer column (a serial, or a plain one) into an identity column, catalog
 * only: no copy, no sync, both releases keep inserting. In the expand transaction, under the
 * ACCESS EXCLUSIVE lock taken first (so no insert can draw a value meanwhile), the old default
 * goes and the identity sequence starts above both the column's largest value and the old
 * sequence's last value; that largest value is read from an index that leads with the column,
 * so the lock is brief (without one the conversion is refused). It is BY DEFAULT until contract,
 * so an old release that writes explicit values keeps working; `always` is set at contract. The serial sequence stops being owned by the
 * column, so pg_get_serial_sequence() (which ORMs and the lazy view's defaults ask) names the
 * identity's sequence from start on. Contract drops the old serial sequence and
 * gives its name to the identity's. Rollback drops the identity, puts the old default back and
 * moves the old sequence past every value the identity handed out.
 */
export function convertToIdentity(c: Compiler, table: TableShape, column: ColumnShape, o: AlterColumn, identity: Identity): void {
  const extra = Object.keys(o).filter((k) => !COMBINABLE.has(k) && o[k as keyof AlterColumn] !== undefined);
  if (extra.length) {
    c.fail(`identity: turning "${o.column}" into an identity column cannot be combined with ${extra.map((k) => `"${k}"`).join(', ')}`, 'make the other changes in another migration, after this one completes (identity may come with "name" and "comment")');
  }
  if (column.identityBy) c.fail(`identity: column "${o.column}" becomes an identity column by ${column.identityBy} already`);
  const before = table.before?.columns.find((b) => b.name === column.physical);
  if (!before || column.added) c.fail(`identity: column "${o.column}" is new in this migration; declare "identity" where it is created`);
  if (before.identity) c.fail(`identity: column "${o.column}" is an identity column already`, `change its sequence with op.sql (ALTER TABLE ... ALTER COLUMN ${ident(o.column)} SET ...)`);
  if (!INTEGER_TYPES.includes(canonicalType(before.type))) {
    c.fail(`identity: column "${o.column}" is ${before.type}; identity columns are smallint, integer or bigint`, 'change its type first, in an earlier migration');
  }
  if (before.nullable) {
    c.fail(
      `identity: column "${o.column}" allows NULL; PostgreSQL makes only NOT NULL columns identity columns`,
      `make it NOT NULL first, online, in an earlier migration: op.alterColumn({ table: '${o.table}', column: '${o.column}', nullable: false })`,
    );
  }
  if (typeof identity !== 'string' && (identity.increment ?? 1) < 0) {
    c.fail('identity.increment: a descending identity cannot take over an ascending column: its first value is chosen above the largest one', 'use a positive increment');
  }
  const index = indexLeadingWith(table, column.physical);
  if (!index) {
    c.fail(
      `identity: no valid btree index of "${o.table}" leads with "${o.column}" (without a predicate), so finding its largest value would scan the whole table under ACCESS EXCLUSIVE`,
      `create one first, online, in an earlier migration: op.createIndex({ table: '${o.table}', columns: ['${o.column}'] })`,
    );
  }
  const t = c.q(table.physical);
  const col = ident(column.physical);
  const oldSequence = before.ownedSequence ?? null;
  // Values drawn so far come from the default's sequence: a serial's own, or one the default names.
  const drawnFrom = oldSequence ? `${literal(oldSequence)}::regclass` : sequenceOfDefault(before.default);
  // The identity's sequence gets the old one's name at contract; until then a name of its own.
  const sequenceName = oldSequence ? qualified(c.schema, shortName('_midair', table.physical, column.physical, 'seq')) : undefined;
  if (sequenceName) c.claimRelationName(shortName('_midair', table.physical, column.physical, 'seq'));
  const usedSoFar = [`coalesce(max(${col}), 0)`, ...(drawnFrom ? [`coalesce(pg_sequence_last_value(${drawnFrom}), 0)`] : [])];
  const givenStart = typeof identity === 'string' || identity.start === undefined ? null : identity.start;
  if (givenStart !== null) usedSoFar.push(String(givenStart - 1));
  const minValue = typeof identity === 'string' ? undefined : identity.minValue;
  if (minValue !== undefined) usedSoFar.push(String(minValue - 1));
  if (oldSequence) refuseSharedSequence(c, table, column.physical, oldSequence);
  const options = sequenceOptions(identity, { sequenceName: sequenceName && inFormat(sequenceName), start: '%s' });
  const lock = `ACCESS EXCLUSIVE, catalog only, plus max(${column.physical}): an index lookup (${index})`;
  c.plan.expand.push({
    sql: `DO $midair$
DECLARE next_value bigint;
BEGIN
  LOCK TABLE ${t} IN ACCESS EXCLUSIVE MODE;
  ALTER TABLE ${t} ALTER COLUMN ${col} DROP DEFAULT;${oldSequence ? `
  ALTER SEQUENCE ${oldSequence} OWNED BY NONE;` : ''}
  SELECT greatest(${usedSoFar.join(', ')}) + 1 INTO next_value FROM ${t};
  EXECUTE format('ALTER TABLE ${inFormat(t)} ALTER COLUMN ${inFormat(col)} ADD GENERATED BY DEFAULT AS IDENTITY${options}', next_value);
END
$midair$`,
    lock,
  });
  if (identityKind(identity) === 'always') {
    c.plan.contract.push({ sql: `ALTER TABLE ${t} ALTER COLUMN ${col} SET GENERATED ALWAYS`, lock: 'ACCESS EXCLUSIVE, catalog only' });
  }
  if (oldSequence && sequenceName) handOverSequenceName(c, oldSequence, sequenceName);
  c.plan.rollback.push({ sql: restoreDefault(c, table, column, before, drawnFrom, oldSequence), lock });
  column.identityBy = c.where;
}

/**
 * A btree index whose first key is the column, with no predicate or expression: max() reads its
 * last entry, where any other way scans the table under the ACCESS EXCLUSIVE lock. An index
 * existing before start is still there at rollback, which reads max() again.
 */
function indexLeadingWith(table: TableShape, physical: string): string | undefined {
  const index = table.before?.indexes.find((i) => i.method === 'btree' && !i.partial && !i.expressions && i.columns[0] === physical);
  if (index) return index.name;
  // The catalog lists the primary key apart from the other indexes (and catalogs stored by older versions lack its name).
  if (table.before?.key[0] === physical) return table.before.primaryKey ?? 'the primary key';
  return undefined;
}

/** Contract drops the serial sequence: a default of another column that draws from it would stop the contract. */
function refuseSharedSequence(c: Compiler, table: TableShape, physical: string, sequence: string): void {
  const where = c.where;
  c.preconditions.push({
    sql: `SELECT format('%I.%I', r.relname, a.attname) AS example FROM pg_depend d
            JOIN pg_attrdef ad ON ad.oid = d.objid JOIN pg_class r ON r.oid = ad.adrelid
            JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
           WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = ${literal(sequence)}::regclass
             AND NOT (ad.adrelid = ${literal(c.q(table.physical))}::regclass AND a.attname = ${literal(physical)})`,
    failure: (n) => `${where}: identity: sequence ${sequence} of "${physical}", which complete drops, is the default of ${n} other columns too`,
    hint: 'give those columns a sequence of their own first (op.sql: CREATE SEQUENCE, then ALTER TABLE ... SET DEFAULT), or keep this column a serial',
  });
}

/** Contract: the serial sequence, unused since start, goes; the identity's takes its name (grants and monitoring name it). */
function handOverSequenceName(c: Compiler, oldSequence: string, sequenceName: string): void {
  c.plan.contract.push({
    sql: `DO $midair$
DECLARE old_name name := (SELECT relname FROM pg_class WHERE oid = ${literal(oldSequence)}::regclass);
BEGIN
  DROP SEQUENCE ${oldSequence};
  EXECUTE format('ALTER SEQUENCE ${inFormat(sequenceName)} RENAME TO %I', old_name);
END
$midair$`,
    lock: 'ACCESS EXCLUSIVE on the sequences, catalog only',
  });
}

/** The sequence a default draws from, `'name'::regclass` as pg_get_expr prints it in `nextval('name'::regclass)`, or null. */
function sequenceOfDefault(expression: string | null): string | null {
  const match = /^nextval\(('(?:[^']|'')+'::regclass)\)$/.exec(expression ?? '');
  return match ? match[1]! : null;
}

/** Rollback: the default back, and the sequence it draws from past every value the identity gave. */
function restoreDefault(c: Compiler, table: TableShape, column: ColumnShape, before: CatalogColumn, sequence: string | null, owned: string | null): string {
  const t = c.q(table.physical);
  const col = ident(column.physical);
  return `DO $midair$
DECLARE next_value bigint;
BEGIN
  LOCK TABLE ${t} IN ACCESS EXCLUSIVE MODE;
  SELECT coalesce(max(${col}), 0) INTO next_value FROM ${t};
  ALTER TABLE ${t} ALTER COLUMN ${col} DROP IDENTITY IF EXISTS;${before.default !== null ? `
  ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT ${before.default};` : ''}${owned ? `
  ALTER SEQUENCE ${owned} OWNED BY ${t}.${col};` : ''}${sequence ? `
  IF next_value > coalesce(pg_sequence_last_value(${sequence}), 0) THEN
    PERFORM setval(${sequence}, next_value);
  END IF;` : ''}
END
$midair$`;
}
