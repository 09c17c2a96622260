import { readFileSync } from 'node:fs';
import { MidairError } from '../errors.js';

function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const SPACE = /\s*/y;

/**
 * A JSON array of keys (strings or numbers), read by hand so that whatever does not parse is
 * named by its line; JSON.parse says where only in some Node versions.
 */
function jsonKeys(path: string, text: string): string[] {
  let at = 0;
  const skip = () => {
    SPACE.lastIndex = at;
    SPACE.exec(text);
    at = SPACE.lastIndex;
  };
  const fail = (what: string): never => {
    const found = text.slice(at).split('\n')[0]!.slice(0, 30);
    throw new MidairError(`${path}:${lineAt(text, at)}: the canary key file starts with '[' but is not a JSON array of keys: ${what}, found ${found ? JSON.stringify(found) : 'the end of the file'}`, 'every key is a JSON string or number, e.g. ["42", "ada@example.com"]; or give one key per line');
  };
  const keys: string[] = [];
  skip();
  at++; // the '[' the caller saw
  skip();
  if (text[at] === ']') at++;
  else {
    for (;;) {
      skip();
      STRING.lastIndex = at;
      NUMBER.lastIndex = at;
      const string = STRING.exec(text);
      const number = string ? null : NUMBER.exec(text);
      if (string) {
        const key = JSON.parse(string[0]) as string;
        if (key === '') fail('an empty key');
        keys.push(key);
        at = STRING.lastIndex;
      } else if (number) {
        keys.push(number[0]);
        at = NUMBER.lastIndex;
      } else fail('expected a key (a string or a number)');
      skip();
      if (text[at] === ',') at++;
      else if (text[at] === ']') {
        at++;
        break;
      } else fail("expected ',' or ']'");
    }
  }
  skip();
  if (at < text.length) fail('expected the end of the file after the array');
  return keys;
}

/**
 * Canary keys from a file: a JSON array of strings or numbers when the file starts with '[', else
 * one key per line (blank lines and lines starting with # are skipped; a key has no whitespace
 * inside, use the JSON form for such keys). What does not parse is named by file:line.
 */
export function readCanaryKeyFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new MidairError(`${path}: cannot read the canary key file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, 'give the path of a file with one key per line, or a JSON array of keys');
  }
  const keys = text.trimStart().startsWith('[') ? jsonKeys(path, text) : lineKeys(path, text);
  if (keys.length === 0) throw new MidairError(`${path}: the canary key file holds no keys`, 'one key per line (# starts a comment line), or a JSON array of keys');
  return keys;
}

function lineKeys(path: string, text: string): string[] {
  const keys: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (/\s/.test(line)) {
      throw new MidairError(`${path}:${i + 1}: ${JSON.stringify(line)} is not one key: a key has no whitespace inside`, 'one key per line (# starts a comment line); for keys with spaces, write the file as a JSON array');
    }
    keys.push(line);
  });
  return keys;
}
