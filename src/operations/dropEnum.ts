import { ident, literal, qualified } from '../db/sql.js';
import type { Compiler } from '../migration/compiler.js';
import { elementType, enumNamed, requireEnum } from '../migration/enumTypes.js';
import type { DropEnum } from '../migration/types.js';

/**
 * The last step of changing a column to a new enum: once no column uses the old type, it goes at
 * complete, in the contract transaction (after the columns this migration replaces are dropped).
 * Until then both releases may still name it; rollback has nothing to undo.
 */
export function dropEnum(c: Compiler, o: DropEnum): void {
  const dropped = requireEnum(c, o.name, 'name');
  if (dropped.created) c.fail(`name: enum type "${o.name}" is created earlier in this same migration`, 'leave out both operations');
  // An array of the enum needs the type as much as the enum itself.
  const users = c.tables.flatMap((t) =>
    t.columns
      .filter((col) => enumNamed(c, elementType(col.type)) === dropped)
      .map((col) => `"${t.name}"."${col.name}"${enumNamed(c, col.type) ? '' : ` (as ${col.type})`}`),
  );
  if (users.length) {
    c.fail(
      `name: enum type "${o.name}" is still the type of ${users.join(', ')} in the new shape`,
      'change those columns to another type first (op.alterColumn with "type"), in this migration before op.dropEnum or in an earlier one',
    );
  }
  // Columns of this schema's tables are checked above; anything else that uses the type or its
  // array type (another schema's column, a domain, a function, a view's cast) would make DROP TYPE fail at complete.
  const type = `to_regtype(${literal(qualified(c.schema, o.name))})`;
  c.preconditions.push({
    sql: `SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS example FROM pg_depend d
           WHERE d.refclassid = 'pg_type'::regclass AND d.deptype = 'n'
             AND d.refobjid IN (${type}, (SELECT typarray FROM pg_type WHERE oid = ${type}))
             AND NOT (d.classid = 'pg_class'::regclass AND d.objsubid > 0
                      AND EXISTS (SELECT 1 FROM pg_class r WHERE r.oid = d.objid AND r.relkind IN ('r', 'p') AND r.relnamespace = ${literal(ident(c.schema))}::regnamespace))`,
    failure: (n) => `${c.where}: name: ${n} objects outside the tables of "${c.schema}" use enum type "${o.name}", and DROP TYPE would fail at complete`,
    hint: 'change or drop them first, or leave the type in place',
  });
  c.enums.splice(c.enums.indexOf(dropped), 1);
  c.plan.contract.push({ sql: `DROP TYPE ${qualified(c.schema, o.name)}`, lock: 'ACCESS EXCLUSIVE on the type, catalog only (nothing uses it)' });
}
