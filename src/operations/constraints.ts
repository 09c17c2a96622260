import { ident, literal, shortName } from '../db/sql.js';
import type { ColumnShape, Compiler, TableShape } from '../migration/compiler.js';
import type { Step } from '../migration/plan.js';
import type { CheckSpec, ForeignKeyTarget, UniqueSpec } from '../migration/types.js';
import { checkExpressionOf, checkNameOf, claimConstraintName, uniqueNameOf } from './constraintNames.js';
import { foreignKeyClause } from './foreignKeyClause.js';
import { buildIndex, refuseForeignKeyOnPartitioned, uniqueConstraintFromIndex } from './indexBuild.js';

export interface ColumnConstraints {
  nullable?: boolean;
  unique?: UniqueSpec;
  check?: CheckSpec;
  references?: ForeignKeyTarget;
}

/**
 * Constraints on a column that this migration creates (added or duplicated). They are created
 * NOT VALID or as concurrent index builds during expand, validated online before contract and
 * finalized with catalog-only statements in contract, so no step scans under a strong lock.
 * Each keeps the name the user gave (default `<table>_<column>_key|check|fkey`) through complete.
 * `prefix` leads the fields' names in messages ("column." in addColumn).
 */
export function constrainNewColumn(c: Compiler, table: TableShape, column: ColumnShape, want: ColumnConstraints, prefix = ''): void {
  const t = c.q(table.physical);
  const col = ident(column.physical);
  if (want.nullable === false) setNotNullOnline(c, table, column);
  if (want.unique) {
    const name = uniqueNameOf(want.unique, shortName(table.name, column.name, 'key'));
    claimConstraintName(c, table, name, `${prefix}unique`, true);
    buildIndex(c, table, { name, unique: true, columns: [column.physical] });
    uniqueConstraintFromIndex(c, table, name);
  }
  if (want.check) {
    const name = checkNameOf(want.check, shortName(table.name, column.name, 'check'));
    const expression = checkExpressionOf(want.check);
    // A check this one replaces holds the name until its column goes at contract.
    const { replaces } = claimConstraintName(c, table, name, `${prefix}check`, false);
    const built = replaces ? shortName('_midair', name) : name;
    if (column.physical === column.name) {
      c.plan.expand.push({ sql: `ALTER TABLE ${t} ADD CONSTRAINT ${ident(built)} CHECK (${expression}) NOT VALID`, lock: 'ACCESS EXCLUSIVE, catalog only' });
      c.plan.validate.push(validateStep(c, table, built));
      if (replaces) c.plan.contract.push({ sql: `ALTER TABLE ${t} RENAME CONSTRAINT ${ident(built)} TO ${ident(name)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
    } else {
      // The expression names columns by their final names, which exist only after contract. Until
      // then a function whose parameters carry those names evaluates it over the physical columns,
      // so the check holds for every write and backfill batch from start on and is validated
      // before contract; contract swaps it for the plain check.
      const scope = c.scopeOf(table.columns);
      const fn = `midair.${ident(shortName('check', c.plan.migration, name))}`;
      c.plan.expand.push(
        { sql: `CREATE FUNCTION ${fn}(${scope.map((s) => `${ident(s.name)} ${s.type}`).join(', ')}) RETURNS boolean LANGUAGE sql AS $midair$ SELECT (${expression}) $midair$`, lock: 'none' },
        { sql: `ALTER TABLE ${t} ADD CONSTRAINT ${ident(built)} CHECK (${fn}(${scope.map((s) => ident(s.physical)).join(', ')})) NOT VALID`, lock: 'ACCESS EXCLUSIVE, catalog only' },
      );
      c.plan.validate.push(validateStep(c, table, built));
      c.plan.contract.push(
        { sql: `ALTER TABLE ${t} DROP CONSTRAINT ${ident(built)}`, lock: 'ACCESS EXCLUSIVE, catalog only' },
        { sql: `DROP FUNCTION ${fn}`, lock: 'none' },
      );
      // Undo runs in reverse: the constraint goes before the function it calls.
      c.plan.rollback.push(
        { sql: `DROP FUNCTION IF EXISTS ${fn}`, lock: 'none' },
        { sql: `ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${ident(built)}`, lock: 'ACCESS EXCLUSIVE, catalog only' },
      );
      c.afterRename.push({ sql: `ALTER TABLE ${t} ADD CONSTRAINT ${ident(name)} CHECK (${expression}) NOT VALID`, lock: 'ACCESS EXCLUSIVE, catalog only' });
      c.plan.contractOnline.push({ ...validateStep(c, table, name), lock: 'SHARE UPDATE EXCLUSIVE (reads and writes go on, no violation left: proved before contract)' });
    }
  }
  if (want.references) {
    refuseForeignKeyOnPartitioned(c, table);
    const target = c.table(want.references.table, `${prefix}references.table`);
    const targetColumn = c.column(target, want.references.column, `${prefix}references.column`);
    const name = want.references.name ?? shortName(table.name, column.name, 'fkey');
    claimConstraintName(c, table, name, `${prefix}references.name`, false);
    const clause = foreignKeyClause(c, want.references, [column], `${prefix}references`);
    c.plan.expand.push({
      sql: `ALTER TABLE ${t} ADD CONSTRAINT ${ident(name)} FOREIGN KEY (${col}) REFERENCES ${c.q(target.physical)} (${ident(targetColumn.physical)})${clause} NOT VALID`,
      lock: `SHARE ROW EXCLUSIVE on ${literal(table.name)} and ${literal(target.name)}, catalog only`,
    });
    c.plan.validate.push(validateStep(c, table, name));
    c.recordConstraintOn(target, [targetColumn], `referenced by the foreign key "${name}"`);
  }
}

/**
 * NOT NULL without a scan under lock: a NOT VALID check from start, validated online before
 * contract, proves it to SET NOT NULL in contract (PostgreSQL 12+). Returns the check's name.
 */
export function setNotNullOnline(c: Compiler, table: TableShape, column: ColumnShape): string {
  const t = c.q(table.physical);
  const col = ident(column.physical);
  // Not "<table>_<column>_not_null": PostgreSQL 18 gives that name to the NOT NULL constraint of the old column.
  const name = shortName(table.name, column.name, 'not_null_check');
  c.plan.expand.push({ sql: `ALTER TABLE ${t} ADD CONSTRAINT ${ident(name)} CHECK (${col} IS NOT NULL) NOT VALID`, lock: 'ACCESS EXCLUSIVE, catalog only' });
  c.plan.validate.push(validateStep(c, table, name));
  c.plan.contract.push(
    { sql: `ALTER TABLE ${t} ALTER COLUMN ${col} SET NOT NULL`, lock: 'ACCESS EXCLUSIVE, no scan (proved by the validated check)' },
    { sql: `ALTER TABLE ${t} DROP CONSTRAINT ${ident(name)}`, lock: 'ACCESS EXCLUSIVE, catalog only' },
  );
  return name;
}

/** Validates a constraint added NOT VALID, online: it scans the table while reads and writes go on. */
export function validateStep(c: Compiler, table: TableShape, name: string): Step {
  return {
    sql: `ALTER TABLE ${c.q(table.physical)} VALIDATE CONSTRAINT ${ident(name)}`,
    lock: 'SHARE UPDATE EXCLUSIVE (reads and writes go on)',
    scans: { table: table.physical, work: 'validation' },
  };
}

/** A default is applied in ADD COLUMN only when it is a constant: a volatile one would rewrite the table. */
export function isConstantDefault(expression: string): boolean {
  return /^\s*('([^']|'')*'|-?\d+(\.\d+)?|true|false|null)(\s*::\s*[\w ."]+(\[\])?)?\s*$/i.test(expression);
}
