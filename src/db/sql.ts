import { createHash } from 'node:crypto';

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

/** A timestamptz column read as an ISO string in UTC, the same from node-postgres and PGlite (each parses timestamps its own way). */
export function isoTime(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** A statement's first line, shortened, for messages that name it. */
export function firstLine(sql: string): string {
  const line = sql.trim().split('\n')[0] ?? '';
  return line.length > 120 ? line.slice(0, 117) + '...' : line;
}

const MAX_IDENTIFIER_BYTES = 63;

/**
 * A generated name within PostgreSQL's 63-byte limit. A longer one keeps its start and ends with
 * a hash of the whole, so two long names that share a prefix stay apart.
 */
export function shortName(...parts: string[]): string {
  const name = parts.join('_');
  if (Buffer.byteLength(name) <= MAX_IDENTIFIER_BYTES) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  let prefix = name;
  while (Buffer.byteLength(prefix) > MAX_IDENTIFIER_BYTES - hash.length - 1) prefix = prefix.slice(0, -1);
  return `${prefix}_${hash}`;
}
