import { ident, literal } from '../db/sql.js';
import type { ColumnShape, Compiler, TableShape } from '../migration/compiler.js';
import { enumNamed } from '../migration/enumTypes.js';
import { canonicalType } from '../migration/typeNames.js';

/** What a column change between an enum and text (or another enum) does when the user gives no up or down. */
export interface EnumConversion {
  up: string;
  down: string;
  /** The column's old default, for the new type: 'a'::old_enum becomes 'a'::new_enum. */
  convertDefault(expression: string): string;
}

const textual = (type: string) => /^(text|character varying(\(\d+\))?)$/.test(canonicalType(type));

/**
 * Enums convert to and from text, and between each other through text, by label: the default
 * `up` is `col::text::new_type`, the default `down` `col::text::old_type`. What the defaults
 * cannot convert is refused before start: whatever the old release may write that the new enum
 * lacks (any text, or labels of the old enum), which `up` could not give to the new release, and
 * labels of the new enum the old one lacks, which the new release could write and `down` could
 * not give back to the old release. Undefined when the change is not one between these types.
 */
export function enumConversion(c: Compiler, table: TableShape, column: ColumnShape, to: { type: string; name: string; up?: string; down?: string }): EnumConversion | undefined {
  const fromEnum = enumNamed(c, column.type);
  const toEnum = enumNamed(c, to.type);
  if (!fromEnum && !toEnum) return undefined;
  if (!(fromEnum || textual(column.type)) || !(toEnum || textual(to.type))) return undefined;
  if (toEnum && to.up === undefined) {
    // The old release keeps writing until complete: each of its values must have a label in the new enum.
    if (!fromEnum) {
      c.fail(
        `up: the old release can write any text into "${column.name}", and one that is not a label of ${to.type} would fail its write`,
        `give "up" mapping every text to a label of ${to.type}, e.g. up: "CASE WHEN ${column.name} IN (${toEnum.values.map(literal).join(', ')}) THEN ${column.name} ELSE ${literal(toEnum.values[0]!)} END::${to.type}"`,
      );
    }
    const missing = fromEnum.values.filter((v) => !toEnum.values.includes(v));
    if (missing.length) {
      c.fail(
        `up: ${column.type} has ${missing.map((v) => `"${v}"`).join(', ')}, which ${to.type} lacks: an old-release write of one could not be given to the new release`,
        `give "up" mapping them to labels of ${to.type}, e.g. up: "CASE ${column.name}::text WHEN ${literal(missing[0]!)} THEN ${literal(toEnum.values[0]!)} ELSE ${column.name}::text END::${to.type}"`,
      );
    }
  }
  if (fromEnum && to.down === undefined) {
    const unknown = toEnum ? toEnum.values.filter((v) => !fromEnum.values.includes(v)) : [];
    if (unknown.length) {
      c.fail(
        `down: ${to.type} has ${unknown.map((v) => `"${v}"`).join(', ')}, which ${column.type} lacks: a new-release write of one could not be given back to the old release`,
        `give "down" mapping them to labels of ${column.type}, e.g. down: "CASE ${to.name}::text WHEN '${unknown[0]}' THEN '${fromEnum.values[0]}' ELSE ${to.name}::text END::${column.type}"`,
      );
    }
    if (!toEnum) c.plan.warnings.push(`${c.where}: until complete, the new release can write into "${table.name}"."${to.name}" only labels of ${column.type}: each of its writes is given back to the old release as ${column.type}`);
  }
  const cast = toEnum ? `::text::${to.type}` : `::text`;
  return {
    up: `${ident(column.physical)}${cast}`,
    down: `${ident(to.name)}::text${fromEnum ? `::${column.type}` : ''}`,
    convertDefault: (expression) => {
      const constant = /^('(?:[^']|'')*')::.+$/s.exec(expression.trim());
      return constant ? `${constant[1]}::${to.type}` : `(${expression})${cast}`;
    },
  };
}
