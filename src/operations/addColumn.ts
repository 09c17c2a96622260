import { ident } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import type { AddColumn } from '../migration/types.js';
import { COMMENT_LOCK, columnOptionClauses, commentOnColumn, probeColumnOptions, refuseConflictingValueSources } from './columnOptions.js';
import { constrainNewColumn, isConstantDefault } from './constraints.js';

/**
 * ADD COLUMN with an identity or a stored generation expression computes a value for every
 * existing row: PostgreSQL rewrites the whole table under ACCESS EXCLUSIVE. Only a table this
 * migration creates (empty) may get one that way.
 */
function refuseRewrite(c: Compiler, o: AddColumn): void {
  const spec = o.column;
  if (spec.identity !== undefined) {
    c.fail(
      `column.identity: adding identity column "${spec.name}" to existing table "${o.table}" would rewrite the whole table under an ACCESS EXCLUSIVE lock`,
      `add "${spec.name}" as a plain integer column now (e.g. default: "nextval('<a sequence you create with op.sql>')", NOT NULL through nullable: false), then turn it into an identity column in a later migration with op.alterColumn({ table: '${o.table}', column: '${spec.name}', identity: ... }), which is catalog only`,
    );
  }
  if (spec.generated !== undefined) {
    c.fail(
      `column.generated: adding stored generated column "${spec.name}" to existing table "${o.table}" would rewrite the whole table under an ACCESS EXCLUSIVE lock, and PostgreSQL cannot turn a plain column into a generated one later`,
      `add a plain column kept in sync instead: column: { name: '${spec.name}', type: '${spec.type}' }, up: ${JSON.stringify(spec.generated)} fills existing rows and old-release writes; new-release writes must set it (or a trigger of yours computes it)`,
    );
  }
}

export function addColumn(c: Compiler, o: AddColumn): void {
  const table = c.table(o.table);
  const spec = o.column;
  c.requireNewColumnName(table, spec.name, 'column.name');
  refuseConflictingValueSources(c, spec, 'column');
  if (!table.created) refuseRewrite(c, o);
  probeColumnOptions(c, spec, 'column');
  if (spec.nullable === false && !o.up && !spec.default) {
    c.fail(`column "${spec.name}" is NOT NULL but has neither "up" nor "column.default"`, 'give "up" (its value for existing rows and old-release writes) or a default');
  }
  const physical = c.physicalNameFor(table, spec.name);
  const column = { name: spec.name, physical, type: spec.type, nullable: spec.nullable !== false && spec.identity === undefined, added: true, default: spec.default };
  table.columns.push(column);
  const t = c.q(table.physical);
  const col = ident(physical);

  const constant = spec.default !== undefined && isConstantDefault(spec.default);
  c.plan.expand.push({
    sql: `ALTER TABLE ${t} ADD COLUMN ${[col, spec.type, ...columnOptionClauses(spec)].join(' ')}${constant ? ` DEFAULT (${spec.default})` : ''}`,
    // Identity and generated columns reach here only for a table this migration creates: it is empty.
    lock: 'ACCESS EXCLUSIVE, catalog only (no rewrite)',
  });
  if (spec.comment !== undefined) c.plan.expand.push({ sql: commentOnColumn(c, table.physical, physical, spec.comment), lock: COMMENT_LOCK });
  if (spec.default !== undefined && !constant) {
    c.plan.expand.push({ sql: `ALTER TABLE ${t} ALTER COLUMN ${col} SET DEFAULT (${spec.default})`, lock: 'ACCESS EXCLUSIVE, catalog only' });
  }
  // A column with neither up nor a volatile default needs no sync: old-release writes leave it
  // at its default, as they would after contract.
  if (!table.created && o.up) c.sync(table).up.push({ column: physical, expression: o.up, source: c.where });
  else if (!table.created && spec.default !== undefined && !constant) c.sync(table).fill.push({ column: physical, expression: spec.default, source: c.where });
  constrainNewColumn(c, table, column, spec);
  c.plan.rollback.push({ sql: `ALTER TABLE ${t} DROP COLUMN IF EXISTS ${col}`, lock: 'ACCESS EXCLUSIVE, catalog only' });
}
