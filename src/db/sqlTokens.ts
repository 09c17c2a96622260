import { ident } from './sql.js';

/** One lexical token of SQL text as PostgreSQL prints it (pg_get_indexdef, pg_get_constraintdef, pg_get_expr). */
export interface Token {
  kind: 'space' | 'word' | 'quoted' | 'string' | 'number' | 'symbol';
  text: string;
}

const PATTERNS: [Token['kind'], RegExp][] = [
  ['space', /\s+/y],
  ['quoted', /"(?:[^"]|"")*"/y],
  // Escape strings first: E'it\'s' ends at the last quote, not at \'.
  ['string', /[eE]'(?:[^'\\]|\\.|'')*'/y],
  ['string', /'(?:[^']|'')*'/y],
  ['string', /\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/y],
  ['word', /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y],
  ['number', /\d+(?:\.\d*)?(?:[eE][+-]?\d+)?/y],
  ['symbol', /::|[\s\S]/y],
];

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < sql.length) {
    for (const [kind, pattern] of PATTERNS) {
      pattern.lastIndex = at;
      const match = pattern.exec(sql);
      if (!match) continue;
      tokens.push({ kind, text: match[0] });
      at += match[0].length;
      break;
    }
  }
  return tokens;
}

/**
 * The names SQL text refers to, as PostgreSQL's lexer reads them: bare words folded to lower case,
 * quoted identifiers as written, nothing inside a string literal. A keyword or a function spelled
 * like a column counts (and so does a word in a comment), which errs on the side of too many.
 */
export function namesIn(sql: string): Set<string> {
  return new Set(tokenize(sql).flatMap((t) => (t.kind === 'word' ? [t.text.toLowerCase()] : t.kind === 'quoted' ? [identifierOf(t)!] : [])));
}

/** The identifier a word or quoted token names, or null for anything else. */
function identifierOf(token: Token): string | null {
  if (token.kind === 'quoted') return token.text.slice(1, -1).replaceAll('""', '"');
  // PostgreSQL prints identifiers that need no quotes as they are, and keywords in upper case.
  if (token.kind === 'word') return token.text;
  return null;
}

function neighbour(tokens: Token[], from: number, step: 1 | -1): Token | undefined {
  for (let i = from + step; i >= 0 && i < tokens.length; i += step) if (tokens[i]!.kind !== 'space') return tokens[i];
  return undefined;
}

/**
 * Rewrites the references to column `from` in deparsed SQL so that they name `to`. Only a bare
 * identifier counts: not a function name (followed by "("), not part of a qualified name, not a
 * type after "::" or a collation, not inside a string literal, and not a storage parameter in
 * WITH (...). Stops at the first top-level `stopAt` keyword (e.g. REFERENCES: the referenced
 * columns belong to the other table).
 */
export function renameColumnReferences(sql: string, from: string, to: string, stopAt?: string): string {
  const tokens = tokenize(sql);
  let depth = 0;
  let optionsDepth: number | null = null;
  let stopped = false;
  return tokens
    .map((token, i) => {
      if (stopped) return token.text;
      if (token.kind === 'symbol' && token.text === '(') {
        const before = neighbour(tokens, i, -1);
        depth++;
        if (optionsDepth === null && before?.kind === 'word' && before.text.toUpperCase() === 'WITH') optionsDepth = depth;
        return token.text;
      }
      if (token.kind === 'symbol' && token.text === ')') {
        if (optionsDepth === depth) optionsDepth = null;
        depth--;
        return token.text;
      }
      if (stopAt && depth === 0 && token.kind === 'word' && token.text.toUpperCase() === stopAt) {
        stopped = true;
        return token.text;
      }
      if (optionsDepth !== null || identifierOf(token) !== from) return token.text;
      const before = neighbour(tokens, i, -1);
      const after = neighbour(tokens, i, 1);
      if (before && (before.text === '.' || before.text === '::' || before.text.toUpperCase() === 'COLLATE')) return token.text;
      if (after && (after.text === '.' || after.text === '(')) return token.text;
      return ident(to);
    })
    .join('');
}
