/**
 * Lexical checks of the SQL text a migration carries: expressions (up, down, default, check,
 * where) and type names. Midair pastes an expression inside `( ... )` and a type after a column
 * name, so each must stay one expression or one type name whatever it holds: these checks make
 * sure it cannot end the parentheses, the statement or the function body around it. Pure: the
 * server checks (lifecycle/serverChecks.ts) then confirm that it means something.
 */

export type TokenKind = 'identifier' | 'quoted' | 'string' | 'number' | 'parameter' | 'symbol';

export interface Token {
  kind: TokenKind;
  /** Identifiers as PostgreSQL folds them (lower case); quoted identifiers without their quotes. */
  text: string;
}

/** What makes a text unfit, in words for the message that names the field. */
export class SqlTextProblem extends Error {}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** The index just past the closing quote of a string starting at `start` (the opening quote). */
function endOfString(text: string, start: number, backslashEscapes: boolean): number {
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      if (backslashEscapes) i++;
      // A server with standard_conforming_strings off would read \' as a quote inside the string:
      // the text would end elsewhere there than here, so it is refused rather than guessed.
      else if (text[i + 1] === "'") throw new SqlTextProblem(`\\' in a string ends it differently depending on standard_conforming_strings; write '' for a quote, or use E'...'`);
    } else if (ch === "'") {
      if (text[i + 1] === "'") i++;
      else return i + 1;
    }
  }
  throw new SqlTextProblem('a string literal is unterminated');
}

/** Splits SQL text into tokens as PostgreSQL's lexer would, refusing comments and `;`. */
export function tokenize(text: string): Token[] {
  if (text.includes('\0')) throw new SqlTextProblem('a NUL character cannot be part of SQL text');
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const rest = text.slice(i);
    if (/\s/.test(ch)) {
      i++;

    } else if (rest.startsWith('--') || rest.startsWith('/*')) {
      throw new SqlTextProblem('comments are not allowed (they would hide the text Midair puts after the expression)');
    } else if (ch === ';') {
      throw new SqlTextProblem('";" is not allowed: give one expression, not statements');
    } else if (ch === "'") {
      const end = endOfString(text, i, false);
      tokens.push({ kind: 'string', text: text.slice(i, end) });
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      let name = '';
      for (;;) {
        if (j >= text.length) throw new SqlTextProblem('a quoted identifier is unterminated');
        if (text[j] === '"') {
          if (text[j + 1] !== '"') break;
          j++;
        }
        name += text[j];
        j++;
      }
      tokens.push({ kind: 'quoted', text: name });
      i = j + 1;
    } else if (IDENT_START.test(ch)) {
      let j = i + 1;
      while (j < text.length && IDENT_PART.test(text[j]!)) j++;
      const word = text.slice(i, j);
      if (/^e$/i.test(word) && text[j] === "'") {
        const end = endOfString(text, j, true);
        tokens.push({ kind: 'string', text: text.slice(i, end) });
        i = end;
      } else {
        tokens.push({ kind: 'identifier', text: word.toLowerCase() });
        i = j;
      }
    } else if (ch === '$') {
      const tag = DOLLAR_TAG.exec(rest)?.[0];
      const parameter = /^\$\d+/.exec(rest)?.[0];
      if (tag) {
        const end = text.indexOf(tag, i + tag.length);
        if (end < 0) throw new SqlTextProblem(`a dollar-quoted string (${tag}) is unterminated`);
        tokens.push({ kind: 'string', text: text.slice(i, end + tag.length) });
        i = end + tag.length;
      } else if (parameter) {
        tokens.push({ kind: 'parameter', text: parameter });
        i += parameter.length;
      } else {
        tokens.push({ kind: 'symbol', text: ch });
        i++;
      }
    } else if (/[0-9]/.test(ch) || (ch === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const number = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(rest)![0];
      tokens.push({ kind: 'number', text: number });
      i += number.length;
    } else {
      tokens.push({ kind: 'symbol', text: ch });
      i++;
    }
  }
  return tokens;
}

/**
 * Refuses an expression that could end the `( ... )` it is put in: `;`, comments, unterminated
 * strings or quoted names, unbalanced parentheses or brackets, and `$midair`, the dollar-quote
 * tag of Midair's own function bodies. Returns the expression's tokens.
 */
export function checkExpression(text: string): Token[] {
  if (text.includes('$midair')) throw new SqlTextProblem('"$midair" is reserved for the quoting of Midair\'s own functions');
  const tokens = tokenize(text);
  const open: string[] = [];
  for (const t of tokens) {
    if (t.kind !== 'symbol') continue;
    if (t.text === '(' || t.text === '[') open.push(t.text);
    if (t.text === ')' || t.text === ']') {
      const expected = t.text === ')' ? '(' : '[';
      if (open.pop() !== expected) throw new SqlTextProblem(`unbalanced parentheses: "${t.text}" closes nothing opened in the expression`);
    }
  }
  if (open.length) throw new SqlTextProblem(`unbalanced parentheses: ${open.length} "${open.at(-1)}" left open`);
  return tokens;
}

const INTERVAL_FIELDS = ['year', 'month', 'day', 'hour', 'minute', 'second'];

/**
 * Refuses anything but a type name: `[schema.]name`, a type modifier of numbers in parentheses,
 * the multi-word names of the SQL standard (double precision, character varying, bit varying,
 * time[stamp] with[out] time zone, interval fields) and array brackets.
 */
export function checkTypeName(text: string): void {
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch (error) {
    throw new SqlTextProblem(`not a type name: ${(error as Error).message}`);
  }
  let i = 0;
  const peek = () => tokens[i];
  const word = (...words: string[]) => {
    const t = peek();
    if (t?.kind === 'identifier' && (words.length === 0 || words.includes(t.text))) {
      i++;
      return t.text;
    }
    return null;
  };
  const symbol = (s: string) => {
    if (peek()?.kind === 'symbol' && peek()!.text === s) {
      i++;
      return true;
    }
    return false;
  };
  const modifier = () => {
    if (!symbol('(')) return;
    do if (peek()?.kind !== 'number' || !/^\d+$/.test(tokens[i++]!.text)) fail();
    while (symbol(','));
    if (!symbol(')')) fail();
  };
  const fail = (): never => {
    throw new SqlTextProblem('not a type name (a type is a name such as text, numeric(10,2), timestamp with time zone, varchar(20)[] or myschema.mytype; defaults and constraints have fields of their own)');
  };

  const first = peek();
  if (!first || (first.kind !== 'identifier' && first.kind !== 'quoted')) fail();
  i++;
  const name = first!.kind === 'identifier' ? first!.text : null;
  if (name === 'double') {
    if (!word('precision')) fail();
  } else if (name === 'character' || name === 'char' || name === 'bit') {
    word('varying');
    modifier();
  } else if (name === 'time' || name === 'timestamp') {
    modifier();
    if (word('with', 'without')) if (!word('time') || !word('zone')) fail();
  } else if (name === 'interval') {
    const from = word(...INTERVAL_FIELDS);
    if (from && word('to') && !word(...INTERVAL_FIELDS)) fail();
    modifier();
  } else {
    if (symbol('.')) {
      const t = peek();
      if (!t || (t.kind !== 'identifier' && t.kind !== 'quoted')) fail();
      i++;
    }
    modifier();
  }
  while (symbol('[')) {
    if (peek()?.kind === 'number') i++;
    if (!symbol(']')) fail();
  }
  if (i !== tokens.length) fail();
}
