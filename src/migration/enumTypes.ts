import type { Compiler } from './compiler.js';

/** An enum type of the schema as the migration leaves it. */
export interface EnumShape {
  name: string;
  /** Labels in sort order, with those this migration adds. */
  values: string[];
  /** Created by this migration (so it exists only from its expand transaction on). */
  created: boolean;
}

const PART = String.raw`(?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))`;
const TYPE_NAME = new RegExp(`^(?:${PART}\\.)?${PART}$`);

/**
 * The enum of the migration's schema that a type text names, if any: `mood`, `"My Mood"` and
 * `public.mood` all name one type (format_type() prints the first two, a column type the user
 * writes may be any). An array of an enum is not the enum.
 */
export function enumNamed(c: Compiler, type: string): EnumShape | undefined {
  const match = TYPE_NAME.exec(type.trim());
  if (!match) return undefined;
  const [, quotedSchema, plainSchema, quotedName, plainName] = match;
  const schema = quotedSchema?.replaceAll('""', '"') ?? plainSchema?.toLowerCase();
  if (schema !== undefined && schema !== c.schema) return undefined;
  const name = quotedName?.replaceAll('""', '"') ?? plainName!.toLowerCase();
  return c.enums.find((e) => e.name === name);
}

/** Of an array type text ("mood[]", "mood[3][]", "mood ARRAY"), its element type; any other type text as it is. */
export function elementType(type: string): string {
  return type.trim().replace(/(\s*\[\s*\d*\s*\])+$|\s+ARRAY(\s*\[\s*\d*\s*\])?$/i, '');
}

/** The enum an operation's `field` names: it must exist in the schema, or be created earlier in the migration. */
export function requireEnum(c: Compiler, name: string, field: string): EnumShape {
  const found = c.enums.find((e) => e.name === name);
  if (!found) {
    const names = c.enums.map((e) => e.name);
    c.fail(`${field}: schema "${c.schema}" has no enum type "${name}"`, `its enum types: ${names.join(', ') || 'none'}; create one with op.createEnum`);
  }
  return found;
}
