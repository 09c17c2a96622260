/** Quotes an SQL identifier: always, so names that need quoting and names that do not are alike. */
export function ident(name: string): string {
  return '"' + name.replaceAll('"', '""') + '"';
}

/** schema.table, both quoted. */
export function qualified(schema: string, name: string): string {
  return `${ident(schema)}.${ident(name)}`;
}

/** An SQL string literal. */
export function literal(value: string): string {
  return "'" + value.replaceAll("'", "''") + "'";
}

/** PostgreSQL truncates identifiers to 63 bytes; Midair's generated names stay within that. */
export function shortName(...parts: string[]): string {
  return parts.join('_').slice(0, 63);
}
