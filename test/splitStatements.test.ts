import { describe, expect, test } from 'vitest';
import { lineAndColumn, splitStatements } from '../src/db/splitStatements.js';

const texts = (sql: string) => splitStatements(sql).map((s) => s.text);

describe('splitStatements', () => {
  test('splits at the ";" that end statements, not those in strings, names, dollar quotes or comments', () => {
    expect(texts(`SELECT 'a;b', "c;d", E'e\\';f'; SELECT $x$ ; $y$ ; $x$, $$;$$ -- g;h
; /* i; /* nested; */ j; */ SELECT 2;`)).toEqual([`SELECT 'a;b', "c;d", E'e\\';f'`, 'SELECT $x$ ; $y$ ; $x$, $$;$$ -- g;h', 'SELECT 2']);
  });

  test('leaves out statements of nothing but space and comments, and says where each starts', () => {
    const sql = '-- first\n\n  INSERT INTO t VALUES (1);;\n /* none */ ;\nSELECT 1 -- last';
    const statements = splitStatements(sql);
    expect(statements.map((s) => s.text)).toEqual(['INSERT INTO t VALUES (1)', 'SELECT 1 -- last']);
    expect(statements.map((s) => lineAndColumn(sql, s.offset))).toEqual([{ line: 3, column: 3 }, { line: 5, column: 1 }]);
  });

  test('an unterminated string runs to the end, for the server to report', () => {
    expect(texts("SELECT 'open; SELECT 2")).toEqual(["SELECT 'open; SELECT 2"]);
  });
});
