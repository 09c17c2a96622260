/** PostgreSQL's short spellings, mapped to what format_type() prints (and the catalog holds). */
const ALIASES: Record<string, string> = {
  int: 'integer',
  int4: 'integer',
  int8: 'bigint',
  int2: 'smallint',
  bool: 'boolean',
  float8: 'double precision',
  float4: 'real',
  decimal: 'numeric',
  varchar: 'character varying',
  char: 'character',
  timestamptz: 'timestamp with time zone',
  timestamp: 'timestamp without time zone',
  timetz: 'time with time zone',
  time: 'time without time zone',
};

/** The short spellings the parser knows although pg_type has no such name (e.g. "int", "decimal"). */
export const SHORT_TYPE_NAMES: readonly string[] = Object.keys(ALIASES);

/** "int" and "integer", "varchar(20)" and "character varying(20)" name one type. */
export function canonicalType(type: string): string {
  const t = type.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\s*\(\s*/g, '(').replace(/\s*,\s*/g, ',').replace(/\s*\)/g, ')');
  const match = /^([a-z0-9_ ]+?)(\(.*\))?(\[\])?$/.exec(t);
  if (!match) return t;
  const [, base, modifier = '', array = ''] = match;
  const name = ALIASES[base!] ?? base!;
  // timestamp(3) prints as "timestamp(3) without time zone".
  const zone = / (with|without) time zone$/.exec(name);
  return zone && modifier ? `${name.slice(0, zone.index)}${modifier}${name.slice(zone.index)}${array}` : `${name}${modifier}${array}`;
}
