/** One statement of a script and where it starts in the script's text. */
export interface ScriptStatement {
  text: string;
  /** Offset of the statement's first character (after leading space and comments) in the script. */
  offset: number;
}

// What a `;` inside does not end: strings, quoted names, dollar quotes and comments, as PostgreSQL
// reads them; an unterminated one runs to the end of the script.
const OPAQUE = [
  /[eE]'(?:[^'\\]|\\[\s\S]|'')*(?:'|$)/y,
  /'(?:[^']|'')*(?:'|$)/y,
  /"(?:[^"]|"")*(?:"|$)/y,
  /\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?(?:\$\1\$|$)/y,
  /--[^\n]*/y,
];

/** The offset just past a block comment starting at `start`; PostgreSQL's block comments nest. */
function endOfBlockComment(sql: string, start: number): number {
  let depth = 0;
  for (let i = start; i < sql.length - 1; i++) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i++;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    }
  }
  return sql.length;
}

/** The offset just past whatever cannot hold a statement's end at `at`, or `at` itself. */
function skipOpaque(sql: string, at: number): number {
  if (sql.startsWith('/*', at)) return endOfBlockComment(sql, at);
  for (const pattern of OPAQUE) {
    pattern.lastIndex = at;
    if (pattern.exec(sql)) return pattern.lastIndex;
  }
  return at;
}

/** The offset of the first character at or after `at` that is neither space nor comment. */
function skipSpaceAndComments(sql: string, at: number): number {
  for (;;) {
    while (at < sql.length && /\s/.test(sql[at]!)) at++;
    if (!sql.startsWith('--', at) && !sql.startsWith('/*', at)) return at;
    at = skipOpaque(sql, at);
  }
}

/**
 * Splits a script at the `;` that end statements, as psql does; statements of nothing but space
 * and comments are left out. An unterminated string or comment runs to the end (the server then
 * says what is wrong with it).
 */
export function splitStatements(sql: string): ScriptStatement[] {
  const statements: ScriptStatement[] = [];
  let start = skipSpaceAndComments(sql, 0);
  let at = start;
  const end = (stop: number) => {
    if (stop > start) statements.push({ text: sql.slice(start, stop).trimEnd(), offset: start });
  };
  while (at < sql.length) {
    const skipped = skipOpaque(sql, at);
    if (skipped > at) {
      at = skipped;
    } else if (sql[at] === ';') {
      end(at);
      at = start = skipSpaceAndComments(sql, at + 1);
    } else {
      at++;
    }
  }
  end(sql.length);
  return statements;
}

/** Line and column (both from 1) of an offset in a text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}
