import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freshDatabase, tempDir } from './support/databases.js';
import { makeProject } from './support/project.js';
import { expectSuccess, jsonOf, runCli, type CliResult } from './support/runCli.js';

interface SqlJson {
  statements: { line: number; command: string; rowCount: number | null; columns: string[]; rows: unknown[][] }[];
}

const errorLines = (r: CliResult) => r.stderr.split('\n').filter((l) => l.startsWith('error: ') || l.startsWith('hint: '));

// `midair sql` on each kind of database the config can name: the same statements, the same answers.
describe.each([['embedded'], ['server']])('midair sql on the %s database', (kind) => {
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string> = {};
  let drop = async () => {};
  const sql = (args: string[], input?: string) => runCli(dir.path, ['sql', ...args], env, input);
  const count = async () => jsonOf<SqlJson>(expectSuccess(await sql(['--json', 'SELECT count(*) AS n FROM items']), 'count')).statements[0]!.rows[0]![0];

  beforeAll(async () => {
    dir = tempDir(`sql-${kind}`);
    makeProject(dir.path);
    if (kind === 'server') {
      const db = await freshDatabase('sql_command');
      env = { DATABASE_URL: db.url };
      drop = db.drop;
    }
  }, 60_000);

  afterAll(async () => {
    await drop();
    dir?.remove();
  });

  test('creates a table and loads rows from a file, then prints them as a table and as JSON', async () => {
    writeFileSync(join(dir.path, 'setup.sql'), `-- a newcomer's first table; the ";" in strings and comments end nothing
CREATE TABLE items (id int PRIMARY KEY, name text, note text);
INSERT INTO items VALUES (1, 'pen; blue', NULL), (2, $$it's a cup$$, 'x');
/* the third row */ INSERT INTO items VALUES (3, 'ink', E'a\\'b');
`);
    const setup = expectSuccess(await sql(['-f', 'setup.sql']), 'sql -f setup.sql');
    expect(setup.stdout).toBe('CREATE\nINSERT 2\nINSERT 1\n');

    const table = expectSuccess(await sql(['SELECT id, name, note FROM items ORDER BY id']), 'select');
    expect(table.stdout).toBe(
      ['id | name       | note', '---+------------+-----', "1  | pen; blue  | NULL", "2  | it's a cup | x", "3  | ink        | a'b", '(3 rows)', ''].join('\n'),
    );

    const json = jsonOf<SqlJson & { ok: boolean }>(expectSuccess(await sql(['--json', "UPDATE items SET note = 'y' WHERE id > 1; SELECT id FROM items WHERE note = 'y' ORDER BY id"]), 'json'));
    expect(json.ok).toBe(true);
    expect(json.statements).toEqual([
      { line: 1, command: 'UPDATE', rowCount: 2, columns: [], rows: [] },
      { line: 1, command: 'SELECT', rowCount: 2, columns: ['id'], rows: [[2], [3]] },
    ]);
  }, 120_000);

  test('a failing statement names the file, line and column, and leaves nothing of the call done', async () => {
    writeFileSync(join(dir.path, 'broken.sql'), "INSERT INTO items VALUES (10, 'kept?');\n\nSELECT nosuch\n  FROM items;\n");
    const broken = await sql(['-f', 'broken.sql']);
    expect(broken.code).toBe(1);
    expect(errorLines(broken)).toEqual([
      'error: broken.sql:3:8: column "nosuch" does not exist',
      'hint: nothing was changed: the 2 statements ran in one transaction, rolled back',
    ]);

    // A failure without a position (a constraint) names the statement's start; stdin is named too.
    const duplicate = await sql(['-f', '-'], "INSERT INTO items VALUES (11, 'new');\n  INSERT INTO items VALUES (1, 'again');\n");
    expect(duplicate.code).toBe(1);
    expect(errorLines(duplicate)[0]).toBe('error: stdin:2:3: duplicate key value violates unique constraint "items_pkey" (Key (id)=(1) already exists.)');
    expect(await count()).toBe(kind === 'server' ? '3' : 3);
  }, 120_000);

  test('reads stdin; a statement that refuses a transaction runs alone and is explained among others', async () => {
    const fromStdin = expectSuccess(await sql(['-f', '-'], 'SELECT 1 AS one'), 'sql -f -');
    expect(fromStdin.stdout).toBe('one\n---\n1\n(1 row)\n');

    expectSuccess(await sql(['VACUUM items']), 'vacuum alone');
    const together = await sql(['SELECT 1; VACUUM items']);
    expect(together.code).toBe(1);
    expect(errorLines(together)).toEqual([
      'error: line 1, column 11: VACUUM cannot run inside a transaction block',
      'hint: this statement cannot run inside a transaction: run it alone, in a `midair sql` call of its own; nothing was changed: the 2 statements ran in one transaction, rolled back',
    ]);

    const ownTransaction = await sql(['BEGIN; DELETE FROM items; COMMIT']);
    expect(ownTransaction.code).toBe(1);
    expect(errorLines(ownTransaction)).toEqual([
      'error: line 1, column 1: BEGIN: midair sql runs several statements in one transaction of its own',
      'hint: remove BEGIN/COMMIT from the script; to commit in parts, run each part with a `midair sql` call of its own',
    ]);
    expect(await count()).toBe(kind === 'server' ? '3' : 3);
  }, 120_000);
});

describe('midair sql refuses what it cannot run before opening a database', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeAll(() => {
    dir = tempDir('sql-input');
    makeProject(dir.path);
  });
  afterAll(() => dir?.remove());

  test.each([
    [[], ['error: no SQL to run', 'hint: e.g. midair sql "SELECT 1", midair sql -f setup.sql, or midair sql -f - < setup.sql']],
    [['SELECT 1', '-f', 'x.sql'], ['error: give statements or -f <file>, not both', 'hint: e.g. midair sql "SELECT 1", or midair sql -f setup.sql']],
    [['-f', 'missing.sql'], ["error: cannot read missing.sql: ENOENT: no such file or directory, open 'missing.sql'", 'hint: check the path; -f - reads the statements from stdin']],
    [[' -- only a comment; '], ['error: the statement given: no SQL statement to run', 'hint: give statements separated by ";", e.g. midair sql "CREATE TABLE t (id int); INSERT INTO t VALUES (1)"']],
  ])('midair sql %j', async (args, expected) => {
    const result = await runCli(dir.path, ['sql', ...args]);
    expect(result.code).toBe(1);
    expect(errorLines(result)).toEqual(expected);
  }, 60_000);
});
