import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freshDatabase, tempDir } from './support/databases.js';
import { makeProject } from './support/project.js';
import { expectSuccess, jsonOf, runCli } from './support/runCli.js';

const LAZY_SPLIT = `import { defineMigration, op } from 'midair';

export default defineMigration({
  name: 'lazy_split',
  lazy: true,
  operations: [
    op.addColumn({ table: 'users', column: { name: 'first_name', type: 'text' }, up: "split_part(name, ' ', 1)" }),
    op.dropColumn({ table: 'users', column: 'name', down: 'first_name' }),
  ],
});
`;

describe('midair migrate-rows and the lazy status (CLI, real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let dir: ReturnType<typeof tempDir>;
  const cli = (...args: string[]) => runCli(dir.path, [...args, '--database', db.url]);

  beforeAll(async () => {
    db = await freshDatabase('lazy_cli');
    dir = tempDir('lazy_cli');
    makeProject(dir.path, { 'migrations/0001_lazy_split.ts': LAZY_SPLIT });
    const client = new pg.Client(db.url);
    await client.connect();
    await client.query(`CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);
      INSERT INTO users (name) SELECT 'First' || g || ' Last' FROM generate_series(1, 100) g`);
    await client.end();
  });

  afterAll(async () => {
    await db?.drop();
    dir?.remove();
  });

  test('moves rows by keys, from a file and by a condition; names what is wrong; status shows the progress', async () => {
    expectSuccess(await cli('start', 'lazy_split'), 'start');
    const byKeys = jsonOf<{ ok: boolean; moved: number; table: string; keys: { notFound: string[] } }>(expectSuccess(await cli('migrate-rows', 'lazy_split', '--keys', '1,2,500', '--json'), 'migrate-rows --keys'));
    expect(byKeys).toMatchObject({ ok: true, moved: 2, table: 'users', keys: { notFound: ['500'] } });

    writeFileSync(join(dir.path, 'canary.txt'), '3\n4\n\n 5 \n');
    const fromFile = expectSuccess(await cli('migrate-rows', 'lazy_split', '--file', 'canary.txt'), 'migrate-rows --file');
    expect(fromFile.stdout).toMatch(/^migrated 3 rows of "users" \(migration "lazy_split"\) to the new shape/);

    const byWhere = jsonOf<{ moved: number }>(expectSuccess(await cli('migrate-rows', 'lazy_split', '--where', 'id > 90', '--json'), 'migrate-rows --where'));
    expect(byWhere.moved).toBe(10);

    const badWhere = await cli('migrate-rows', 'lazy_split', '--where', 'nmae = 1');
    expect(badWhere.code).toBe(1);
    expect(badWhere.stderr).toMatch(/^error: --where "nmae = 1" fails on table "users": column "nmae" does not exist/m);
    writeFileSync(join(dir.path, 'empty.txt'), '\n\n');
    expect((await cli('migrate-rows', 'lazy_split', '--file', 'empty.txt')).stderr).toMatch(/^error: --file empty.txt: holds no keys/m);
    expect((await cli('migrate-rows', 'lazy_split', '--keys', '1,,2')).stderr).toMatch(/^error: --keys "1,,2": key 2 is empty/m);
    expect((await cli('migrate-rows', 'lazy_split')).stderr).toMatch(/^error: migrate-rows needs the rows/m);
    expect((await cli('migrate-rows', 'lazy_split', '--table', 'orders', '--keys', '1')).stderr).toMatch(/^error: migration "lazy_split" has no table "orders"/m);

    const status = expectSuccess(await cli('status'), 'status');
    expect(status.stdout).toMatch(/lazy users: 15\/100 rows migrated \(15%\), 85 to go; moved by the application 0 .*by backfill\/migrate-rows 15/);
    const json = jsonOf<{ active: { lazy: { migrated: number; movedByMidair: number }[] }[] }>(expectSuccess(await cli('status', '--json'), 'status --json'));
    expect(json.active[0]!.lazy).toMatchObject([{ migrated: 15, movedByMidair: 15 }]);

    const refused = await cli('complete', 'lazy_split');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/85 rows are not backfilled yet/);
  });
});
