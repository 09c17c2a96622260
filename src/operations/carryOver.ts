import type { CatalogConstraint, CatalogIndex } from '../catalog/read.js';
import { validateStep } from './constraints.js';
import { ident, qualified, shortName } from '../db/sql.js';
import { buildIndex, uniqueConstraintFromIndex } from './indexBuild.js';
import { renameColumnReferences, tokenize } from '../db/sqlTokens.js';
import type { Compiler, TableShape } from '../migration/compiler.js';

/** The column that replaces an old one: its physical name and type. */
export interface Replacement {
  physical: string;
  type: string;
}

const PROBE_TABLE = 'pg_temp._midair_probe';

/**
 * Dropping the old column at contract drops every index and constraint on it. Each is copied onto
 * the replacement during expand (indexes built concurrently, checks and foreign keys NOT VALID so
 * both shapes' writes are checked from start, then validated online before contract) and takes the
 * original name in the contract transaction, after the old column is gone.
 * `skipCheck` names a check the operation itself replaces; `dropped`, a constraint it drops (with its index), as are
 * those an earlier dropConstraint drops.
 */
export function carryOver(c: Compiler, table: TableShape, oldPhysical: string, replacement: Replacement, skipCheck?: string, dropped?: string): void {
  const before = table.before;
  if (!before) return;
  for (const reference of before.referencedBy ?? []) {
    if (!reference.columns.includes(oldPhysical)) continue;
    c.fail(
      `foreign key "${reference.name}" of table "${reference.table}" references "${table.name}"."${oldPhysical}", which this operation replaces with a new column`,
      `drop the foreign key first (op.dropConstraint({ table: '${reference.table}', name: '${reference.name}' })) and add it back after complete, or change "${reference.table}" too`,
    );
  }
  for (const constraint of before.constraints ?? []) {
    if (!constraint.columns.includes(oldPhysical) || constraint.name === skipCheck || constraint.name === dropped || table.droppedConstraints?.includes(constraint.name)) continue;
    refuseIfShared(c, table, constraint.name, constraint.columns, oldPhysical);
    if (constraint.kind === 'exclusion') {
      c.fail(
        `exclusion constraint "${constraint.name}" uses column "${oldPhysical}", which this operation replaces; Midair cannot build its copy online`,
        `drop the constraint first (op.sql: ALTER TABLE ${ident(table.physical)} DROP CONSTRAINT ${ident(constraint.name)}) and add it back after complete`,
      );
    }
    carryConstraint(c, table, constraint, oldPhysical, replacement);
  }
  for (const index of before.indexes) {
    if (!(index.uses ?? index.columns).includes(oldPhysical) || (index.constraint && (index.name === dropped || table.droppedConstraints?.includes(index.name)))) continue;
    refuseIfShared(c, table, index.name, index.uses ?? index.columns, oldPhysical);
    carryIndex(c, table, index, oldPhysical, replacement);
  }
}

/** A copy made for one column must not point at another column that this migration replaces or drops. */
function refuseIfShared(c: Compiler, table: TableShape, name: string, uses: string[], oldPhysical: string): void {
  const gone = uses.find((u) => u !== oldPhysical && !table.columns.some((col) => col.physical === u && !col.added));
  if (gone !== undefined) {
    c.fail(
      `"${name}" uses both "${oldPhysical}" and "${gone}", and this migration replaces or drops both`,
      'change one of the columns in this migration and the other in the next, or drop the index or constraint first and re-create it after complete',
    );
  }
}

function carryIndex(c: Compiler, table: TableShape, index: CatalogIndex, oldPhysical: string, replacement: Replacement): void {
  const t = c.q(table.physical);
  const copy = shortName('_midair', index.name);
  const unique = index.unique ? 'UNIQUE ' : '';
  // Catalogs stored before definitions were read hold plain indexes only.
  const body = index.definition
    ? renameColumnReferences(fromUsing(index.definition), oldPhysical, replacement.physical)
    : `USING ${index.method} (${index.columns.map((name) => ident(name === oldPhysical ? replacement.physical : name)).join(', ')})`;
  if (index.definition) {
    c.probes.push({
      statements: [
        `CREATE TEMP TABLE _midair_probe (LIKE ${t})`,
        `ALTER TABLE ${PROBE_TABLE} ADD COLUMN ${ident(replacement.physical)} ${replacement.type}`,
        `CREATE ${unique}INDEX ON ${PROBE_TABLE} ${body}`,
      ],
      failure: (error) => `${c.where}: index "${index.name}" cannot be carried over to "${oldPhysical}" as ${replacement.type}: ${error}`,
      hint: `drop the index first (op.sql: DROP INDEX ${ident(index.name)}) and create one that fits the new type after complete, or keep the type`,
    });
  }
  const onCopy = (name: string) => (name === oldPhysical ? replacement.physical : name);
  // What the copy reads, expressions' columns included: the plan's estimate needs them.
  buildIndex(c, table, {
    name: copy, unique: index.unique, columns: index.columns.map(onCopy), body, reads: (index.uses ?? index.columns).map(onCopy),
    partial: index.partial, expressions: index.expressions,
  });
  c.plan.contract.push({ sql: `ALTER INDEX ${qualified(c.schema, copy)} RENAME TO ${ident(index.name)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
  if (index.constraint) uniqueConstraintFromIndex(c, table, index.name);
  // The old index goes with the old column, and the identity with it (PostgreSQL then logs no old key): the copy takes
  // over, once the new column is NOT NULL.
  const identity = table.replicaIdentity;
  if (typeof identity === 'object' && identity.index === index.name) {
    // After the renames, so the copy has the index's name.
    table.identityRestore = { sql: `ALTER TABLE ${t} REPLICA IDENTITY USING INDEX ${ident(index.name)}`, lock: 'ACCESS EXCLUSIVE, catalog only' };
    c.afterRename.push(table.identityRestore);
  }
}

/** "CREATE INDEX name ON table USING btree (...) ..." from USING on: the part that does not name the index or table. */
function fromUsing(definition: string): string {
  const tokens = tokenize(definition);
  const at = tokens.findIndex((t) => t.kind === 'word' && t.text === 'USING');
  return tokens.slice(at).map((t) => t.text).join('');
}

function carryConstraint(c: Compiler, table: TableShape, constraint: CatalogConstraint, oldPhysical: string, replacement: Replacement): void {
  const t = c.q(table.physical);
  const copy = shortName('_midair', constraint.name);
  const definition = constraint.definition.replace(/\s+NOT VALID$/, '');
  const rewritten =
    constraint.kind === 'foreignKey'
      ? qualifyReferences(renameColumnReferences(definition, oldPhysical, replacement.physical, 'REFERENCES'), constraint.references!)
      : renameColumnReferences(definition, oldPhysical, replacement.physical);
  if (constraint.kind === 'check') {
    // A check that compares the column with a value of its old type (an enum label, say) may not work for the new type.
    c.probes.push({
      statements: [
        `CREATE TEMP TABLE _midair_probe (LIKE ${t})`,
        `ALTER TABLE ${PROBE_TABLE} ADD COLUMN ${ident(replacement.physical)} ${replacement.type}`,
        `ALTER TABLE ${PROBE_TABLE} ADD CONSTRAINT ${ident(copy)} ${rewritten}`,
      ],
      failure: (error) => `${c.where}: check constraint "${constraint.name}" cannot be carried over to "${oldPhysical}" as ${replacement.type}: ${error}`,
      hint: `drop the constraint first (op.sql: ALTER TABLE ${ident(table.physical)} DROP CONSTRAINT ${ident(constraint.name)}) and add one that fits the new type after complete, or keep the type`,
    });
  }
  c.plan.expand.push({
    sql: `ALTER TABLE ${t} ADD CONSTRAINT ${ident(copy)} ${rewritten} NOT VALID`,
    lock: constraint.kind === 'foreignKey' ? 'SHARE ROW EXCLUSIVE on both tables, catalog only' : 'ACCESS EXCLUSIVE, catalog only',
  });
  // A constraint the user left NOT VALID stays so: its old rows were never checked.
  if (constraint.validated) c.plan.validate.push(validateStep(c, table, copy));
  c.plan.contract.push({ sql: `ALTER TABLE ${t} RENAME CONSTRAINT ${ident(copy)} TO ${ident(constraint.name)}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
}

/**
 * pg_get_constraintdef() names the referenced table as the reading session's search_path sees it;
 * the copy names it by schema, so it points at the same table whatever path Midair runs with.
 */
function qualifyReferences(definition: string, table: string): string {
  const tokens = tokenize(definition);
  const from = tokens.findIndex((t) => t.kind === 'word' && t.text === 'REFERENCES');
  const to = tokens.findIndex((t, i) => i > from && t.text === '(');
  return [...tokens.slice(0, from + 1).map((t) => t.text), ` ${table}`, ...tokens.slice(to).map((t) => t.text)].join('');
}
