/**
 * The names an SQL expression mentions: bare words folded to lower case as PostgreSQL folds them,
 * quoted identifiers as written. String literals (plain, E'', dollar-quoted) and comments are
 * skipped, so a name inside a literal does not count; a function or keyword spelled like a
 * column counts, which errs on the side of too many, never too few.
 */
export function expressionNames(expression: string): Set<string> {
  const names = new Set<string>();
  const s = expression;
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === "'") {
      i = skipQuoted(s, i + 1, "'", /(^|[^a-z0-9_$])e$/i.test(s.slice(Math.max(0, i - 2), i)));
    } else if (ch === '"') {
      const end = skipQuoted(s, i + 1, '"', false);
      names.add(s.slice(i + 1, end - 1).replaceAll('""', '"'));
      i = end;
    } else if (ch === '$' && /^\$([a-z_][a-z0-9_]*)?\$/i.test(s.slice(i))) {
      const tag = /^\$([a-z_][a-z0-9_]*)?\$/i.exec(s.slice(i))![0];
      const close = s.indexOf(tag, i + tag.length);
      i = close < 0 ? s.length : close + tag.length;
    } else if (s.startsWith('--', i)) {
      const newline = s.indexOf('\n', i);
      i = newline < 0 ? s.length : newline + 1;
    } else if (s.startsWith('/*', i)) {
      const close = s.indexOf('*/', i + 2);
      i = close < 0 ? s.length : close + 2;
    } else if (/[a-z_\u0080-\uffff]/i.test(ch)) {
      const word = /^[a-z_\u0080-\uffff][a-z0-9_$\u0080-\uffff]*/i.exec(s.slice(i))![0];
      names.add(word.toLowerCase());
      i += word.length;
    } else if (/[0-9]/.test(ch)) {
      i += /^[0-9.]+(e[+-]?[0-9]+)?/i.exec(s.slice(i))![0].length;
    } else {
      i++;
    }
  }
  return names;
}

/** The index just past the closing quote; a doubled quote (or, with backslashes, \') stays inside. */
function skipQuoted(s: string, from: number, quote: string, backslashes: boolean): number {
  for (let i = from; i < s.length; i++) {
    if (backslashes && s[i] === '\\') i++;
    else if (s[i] === quote) {
      if (s[i + 1] === quote) i++;
      else return i + 1;
    }
  }
  return s.length;
}
