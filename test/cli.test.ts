import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { createMidair, defineMigration, op, type Midair } from '../src/index.js';
import { freshDatabase, tempDir } from './support/databases.js';
import { makeProject } from './support/project.js';
import { expectSuccess, jsonOf, runCli, type CliResult } from './support/runCli.js';

const SPLIT_NAME = `import { defineMigration, op } from 'midair';

export default defineMigration({
  name: 'split_name',
  operations: [
    op.addColumn({ table: 'users', column: { name: 'first_name', type: 'text' }, up: "split_part(name, ' ', 1)" }),
    op.addColumn({ table: 'users', column: { name: 'last_name', type: 'text' }, up: "nullif(substr(name, length(split_part(name, ' ', 1)) + 2), '')" }),
    op.dropColumn({ table: 'users', column: 'name', down: "concat_ws(' ', first_name, last_name)" }),
    op.createIndex({ table: 'users', columns: ['email'] }),
  ],
});
`;

const FIRST_NAME = defineMigration({
  name: 'first_name',
  operations: [op.addColumn({ table: 'users', column: { name: 'first_name', type: 'text' }, up: "split_part(name, ' ', 1)" })],
});

const ADD_NICKNAME = `import { defineMigration, op } from 'midair';

export default defineMigration({
  name: 'add_nickname',
  operations: [op.addColumn({ table: 'users', column: { name: 'nickname', type: 'text' }, up: 'lower(first_name)' })],
});
`;

const UNKNOWN_TABLE = `import { defineMigration, op } from 'midair';

export default defineMigration({
  name: 'typo',
  operations: [op.addColumn({ table: 'userz', column: { name: 'age', type: 'integer' } })],
});
`;

const DOES_NOT_COMPILE = `import { defineMigration, op } from 'midair';

export default defineMigration({ name: 'broken', operations: [op.addColumn({ table: 'users' column: {} })] });
`;

/** No stack frames anywhere: failures the user can fix are one line plus a hint; refusals exit 2. */
function expectCleanFailure(result: CliResult, code: 1 | 2 = 1): void {
  expect(result.code).toBe(code);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr.split('\n').filter((l) => l.startsWith('error: '))).toHaveLength(1);
}

// Each test has a database and a project folder of its own: none relies on another's files or rows.
describe('the midair CLI on a PostgreSQL server', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let dir: ReturnType<typeof tempDir>;
  let client: pg.Client;
  const cli = (...args: string[]) => runCli(dir.path, [...args, '--database', db.url]);

  beforeEach(async () => {
    db = await freshDatabase('cli');
    dir = tempDir('cli');
    makeProject(dir.path);
    client = new pg.Client(db.url);
    await client.connect();
    await client.query(`CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text);
      INSERT INTO users (name, email) SELECT 'First' || g || ' Last' || g, 'u' || g || '@example.com' FROM generate_series(1, 2000) g`);
  });

  afterEach(async () => {
    await client?.end();
    await db?.drop();
    dir?.remove();
  });

  /** Runs `steps` with a Midair handle in this process: the state a project has from earlier commands, made fast. */
  async function inProcess(steps: (midair: Midair) => Promise<unknown>): Promise<void> {
    const midair = await createMidair({ database: db.url });
    try {
      await steps(midair);
    } finally {
      await midair.close();
    }
  }

  test('init, new, plan, start, status, backfill, verify, complete and latest: the whole life cycle', async () => {
    const init = expectSuccess(await cli('init'), 'init');
    expect(init.stdout).toMatch(/control schema "midair" installed/);
    expect(existsSync(join(dir.path, 'midair.config.ts'))).toBe(true);
    expect(existsSync(join(dir.path, 'migrations'))).toBe(true);

    const created = jsonOf<{ ok: boolean; file: string }>(expectSuccess(await cli('new', 'split_name', '--json'), 'new'));
    expect(created.ok).toBe(true);
    expect(created.file).toMatch(/^migrations\/\d{14}_split_name\.ts$/);
    expect(readFileSync(join(dir.path, created.file), 'utf8')).toContain(`import { defineMigration, op } from 'midair';`);
    const again = await cli('new', 'split_name');
    expectCleanFailure(again);
    expect(again.stderr).toMatch(/exists already/);
    writeFileSync(join(dir.path, created.file), SPLIT_NAME);

    // plan prints every phase with its locks and changes nothing.
    const plan = expectSuccess(await cli('plan', 'split_name'), 'plan');
    expect(plan.stdout).toMatch(/start: expand, one transaction/);
    expect(plan.stdout).toContain('ADD COLUMN "first_name" text');
    expect(plan.stdout).toMatch(/lock: ACCESS EXCLUSIVE, catalog only/);
    expect(plan.stdout).toContain('CREATE INDEX CONCURRENTLY');
    expect(plan.stdout).toMatch(/complete: contract/);
    expect(plan.stdout).toMatch(/rollback: one transaction/);
    const planJson = jsonOf<{ expand: { sql: string; lock: string }[]; contract: unknown[] }>(expectSuccess(await cli('plan', 'split_name', '--json'), 'plan --json'));
    expect(planJson.expand.length).toBeGreaterThan(0);
    expect(planJson.expand.every((s) => s.sql && s.lock)).toBe(true);
    const columns = await client.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'first_name'`);
    expect(columns.rowCount).toBe(0);

    // DATABASE_URL works as well as --database.
    const start = jsonOf<{ ok: boolean; stage: string; versionSchema: string }>(
      expectSuccess(await runCli(dir.path, ['start', 'split_name', '--json'], { DATABASE_URL: db.url }), 'start'),
    );
    expect(start).toMatchObject({ ok: true, stage: 'expanded', versionSchema: 'public_split_name' });

    const status = expectSuccess(await cli('status'), 'status');
    expect(status.stdout).toMatch(/active migration: split_name \(expanded/);
    expect(status.stdout).toMatch(/backfill: not run yet/);
    const statusJson = jsonOf<{ active: { name: string; stage: string }[]; latestSearchPath: string }>(expectSuccess(await cli('status', '--json'), 'status --json'));
    expect(statusJson.active).toMatchObject([{ name: 'split_name', stage: 'expanded' }]);

    const backfill = expectSuccess(await cli('backfill', '--json'), 'backfill');
    expect(jsonOf<{ rows: number }>(backfill).rows).toBe(2000);

    // complete before verify is refused (exit 2, nothing changed); --force needs --reason (a usage error, exit 1).
    const unverified = await cli('complete', '--json');
    expect(unverified.code).toBe(2);
    expect(unverified.stderr).toMatch(/^error: migration "split_name" was never verified/m);
    expect(unverified.stderr).toMatch(/^hint: run `midair verify`/m);
    expect(jsonOf(unverified)).toMatchObject({ ok: false, refused: 'unverified' });
    const noReason = await cli('complete', '--force');
    expect(noReason.code).toBe(1);
    expect(noReason.stderr).toMatch(/^error: --force needs --reason/m);
    const progress = backfill.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; rowsDone: number; rowsTotal: number });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ event: 'progress', rowsDone: 2000, rowsTotal: 2000 });

    const verify = jsonOf<{ ok: boolean; rowsChecked: number; mismatches: number; unsynced: number }>(expectSuccess(await cli('verify', '--json'), 'verify'));
    expect(verify).toMatchObject({ ok: true, rowsChecked: 2000, mismatches: 0, unsynced: 0 });

    // A row that disagrees (written behind the trigger's back) fails verify with its key and both values.
    await client.query(`ALTER TABLE users DISABLE TRIGGER USER; UPDATE users SET first_name = 'Wrong' WHERE id = 7; ALTER TABLE users ENABLE TRIGGER USER`);
    const bad = await cli('verify');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/1 mismatches/);
    expect(bad.stdout).toContain('users id=7: column "first_name" is "Wrong", up(old row) gives "First7"');
    const badJson = await cli('verify', '--json');
    expect(badJson.code).toBe(1);
    expect(jsonOf(badJson)).toMatchObject({ ok: false, mismatches: 1, samples: [{ key: 'id=7', actual: 'Wrong', expected: 'First7' }] });
    await client.query(`UPDATE users SET name = name WHERE id = 7`); // an old-release write syncs it again
    expect(jsonOf(expectSuccess(await cli('verify', '--json'), 'verify after repair'))).toMatchObject({ mismatches: 0 });

    expect(jsonOf(expectSuccess(await cli('complete', '--json'), 'complete'))).toMatchObject({ ok: true, migration: 'split_name', stage: 'complete' });
    expectSuccess(await cli('complete', 'split_name'), 'complete again (as after a crash)');
    expect(expectSuccess(await cli('latest', '--search-path'), 'latest').stdout).toBe('public_split_name,public\n');
    const after = await client.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'users' ORDER BY ordinal_position`);
    expect(after.rows.map((r) => r.column_name)).toEqual(['id', 'email', 'first_name', 'last_name']);
  });

  test('rollback removes the new shape and keeps the old one', async () => {
    // An earlier migration, complete: rollback must bring back its version schema as the latest.
    await inProcess(async (midair) => {
      await midair.init();
      await midair.start(FIRST_NAME);
      await midair.backfill();
      await midair.verify();
      await midair.complete();
    });
    mkdirSync(join(dir.path, 'migrations'));
    writeFileSync(join(dir.path, 'migrations', '20990101000000_add_nickname.ts'), ADD_NICKNAME);
    expectSuccess(await cli('start', 'add_nickname'), 'start');
    expect(expectSuccess(await cli('latest', '--search-path'), 'latest').stdout).toBe('public_add_nickname,public\n');
    const rollback = expectSuccess(await cli('rollback', '--json'), 'rollback');
    expect(jsonOf(rollback)).toMatchObject({ ok: true, migration: 'add_nickname', stage: 'rolled_back' });
    expectSuccess(await cli('rollback', 'add_nickname'), 'rollback again (as after a crash)');
    const nickname = await client.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'nickname'`);
    expect(nickname.rowCount).toBe(0);
    expect((await client.query(`SELECT 1 FROM pg_namespace WHERE nspname = 'public_add_nickname'`)).rowCount).toBe(0);
    expect(expectSuccess(await cli('latest', '--search-path'), 'latest').stdout).toBe('public_first_name,public\n');
    expect(expectSuccess(await cli('status'), 'status').stdout).toMatch(/add_nickname {2}rolled_back/);
  });

  test('failures are one line and a hint, and exit 1 (2 when refused)', async () => {
    await inProcess((midair) => midair.init());
    mkdirSync(join(dir.path, 'migrations'));
    const broken = join('migrations', '20990102000000_broken.ts');
    writeFileSync(join(dir.path, broken), DOES_NOT_COMPILE);
    const notCompiling = await cli('plan', broken);
    expectCleanFailure(notCompiling);
    expect(notCompiling.stderr).toContain(`error: ${broken}: the migration file does not load`);

    writeFileSync(join(dir.path, 'typo.ts'), UNKNOWN_TABLE);
    const unknownTable = await cli('start', 'typo.ts');
    expectCleanFailure(unknownTable);
    expect(unknownTable.stderr).toMatch(/operation 1 \(addColumn\): table "userz" does not exist/);
    expect(unknownTable.stderr).toMatch(/^hint: did you mean "users"\? tables in the new shape: users$/m);

    const unreachable = await runCli(dir.path, ['status', '--database', 'postgres://postgres@127.0.0.1:1/nowhere']);
    expectCleanFailure(unreachable);
    expect(unreachable.stderr).toMatch(/^error: connecting to the database: cannot reach the database \(ECONNREFUSED\)$/m);
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(2); // the error and its hint

    const asJson = await runCli(dir.path, ['verify', '--json', '--database', 'postgres://postgres@127.0.0.1:1/nowhere']);
    expectCleanFailure(asJson);
    expect(jsonOf(asJson)).toEqual({ ok: false, error: expect.stringMatching(/cannot reach the database/), hint: expect.stringMatching(/DATABASE_URL/) });

    const nothingActive = await cli('verify', '--json');
    expectCleanFailure(nothingActive, 2);
    expect(jsonOf(nothingActive)).toMatchObject({ ok: false, error: 'no migration is active in schema "public"', refused: 'stage' });
  });
});

describe('the midair CLI on the embedded database', () => {
  let dir: ReturnType<typeof tempDir>;
  const cli = (...args: string[]) => runCli(dir.path, args);

  beforeAll(() => {
    dir = tempDir('cli-embedded');
    makeProject(dir.path, {
      'migrations/001_create_items.ts': `import { defineMigration, op } from 'midair';
export default defineMigration({
  name: 'create_items',
  operations: [op.sql({
    up: "CREATE TABLE items (id serial PRIMARY KEY, price text NOT NULL); INSERT INTO items (price) SELECT (g * 1.25)::text FROM generate_series(1, 500) g",
    down: 'DROP TABLE items',
  })],
});
`,
      'migrations/002_price_cents.ts': `import { defineMigration, op } from 'midair';
export default defineMigration({
  name: 'price_cents',
  operations: [op.alterColumn({ table: 'items', column: 'price', name: 'price_cents', type: 'integer',
    up: 'round(price::numeric * 100)::integer', down: '(price_cents / 100.0)::text' })],
});
`,
    });
  });

  afterAll(() => dir?.remove());

  test('runs the life cycle in .midair/db and says so', async () => {
    const init = expectSuccess(await cli('init'), 'init');
    expect(init.stderr).toContain('using the embedded database in .midair/db; set DATABASE_URL or --database to use a server');
    expect(existsSync(join(dir.path, '.midair', 'db'))).toBe(true);
    expectSuccess(await cli('start', 'create_items'), 'start create_items');
    expectSuccess(await cli('complete'), 'complete create_items');

    expect(jsonOf(expectSuccess(await cli('start', 'price_cents', '--json'), 'start'))).toMatchObject({ stage: 'expanded', versionSchema: 'public_price_cents' });
    expect(jsonOf(expectSuccess(await cli('backfill', '--json'), 'backfill'))).toMatchObject({ rows: 500 });
    expect(jsonOf(expectSuccess(await cli('verify', '--json'), 'verify'))).toMatchObject({ ok: true, rowsChecked: 500, mismatches: 0 });
    expectSuccess(await cli('complete', 'price_cents'), 'complete');
    const latest = expectSuccess(await cli('latest', '--search-path'), 'latest');
    expect(latest.stdout).toBe('public_price_cents,public\n');
    const status = jsonOf<{ migrations: { name: string; stage: string }[] }>(expectSuccess(await cli('status', '--json'), 'status'));
    expect(status.migrations.map((m) => `${m.name} ${m.stage}`)).toEqual(['create_items complete', 'price_cents complete']);
    expect(readdirSync(join(dir.path, '.midair', 'db'))).not.toContain('midair.pid'); // the folder lock is released
  });
});
