import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { demoMigration } from '../src/demo/migration.js';
import type { RehearsalReport } from '../src/rehearse/run.js';
import { freshDatabase, SERVER_URL, tempDir } from './support/databases.js';
import { makeProject } from './support/project.js';
import { jsonOf, runCli } from './support/runCli.js';

// The demo's own migration, as a user's file would hold it.
const SPLIT = `import { defineMigration } from 'midair';

export default defineMigration(${JSON.stringify(demoMigration, null, 2)});
`;

// Every email becomes the same: the new unique index cannot hold, which a rehearsal must reveal.
const SAME_EMAIL = `import { defineMigration, op } from 'midair';

export default defineMigration({
  name: 'same_email',
  operations: [op.alterColumn({ table: 'users', column: 'email', unique: true, up: "'everyone@example.com'", down: 'email' })],
});
`;

const SCHEMA = `
  CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text, created_at timestamptz NOT NULL DEFAULT now());
  INSERT INTO users (name, email) SELECT 'First' || g || ' Last' || g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'u' || g || '@x.io' END FROM generate_series(1, 3000) g;
  CREATE TABLE products (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text, price text NOT NULL, sku text UNIQUE);
  INSERT INTO products (title, price, sku) SELECT 'p' || g, (g * 1.5)::text, 'sku-' || g FROM generate_series(1, 500) g;
  CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users (id), total int);
  INSERT INTO orders (user_id, total) SELECT g, g * 3 FROM generate_series(1, 300) g;
`;

const FAST = ['--clients', '4', '--instances', '3', '--duration', '2'];

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Everything a rehearsal could change in the original: schemas, columns, constraints, indexes, rows. */
function snapshot(url: string): Promise<unknown> {
  return withClient(url, async (c) => {
    const q = async (sql: string) => (await c.query(sql)).rows;
    return {
      schemas: await q(`SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ORDER BY 1`),
      columns: await q(`SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`),
      constraints: await q(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`),
      indexes: await q(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1`),
      triggers: await q(`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`),
      rows: await q(`SELECT (SELECT md5(string_agg(u::text, ',' ORDER BY id)) FROM users u) AS users,
                            (SELECT md5(string_agg(p::text, ',' ORDER BY id)) FROM products p) AS products,
                            (SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM orders o) AS orders`),
    };
  });
}

async function databaseExists(name: string): Promise<boolean> {
  return withClient(SERVER_URL, async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

describe('midair rehearse', () => {
  const project = tempDir('rehearse');
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let original: unknown;

  beforeAll(async () => {
    makeProject(project.path, { 'migrations/split.ts': SPLIT, 'migrations/same_email.ts': SAME_EMAIL });
    db = await freshDatabase('rehearse');
    await withClient(db.url, (c) => c.query(SCHEMA));
    original = await snapshot(db.url);
  });
  afterAll(async () => {
    await db.drop();
    project.remove();
  });

  test('rehearses a migration file in a template copy: ok, the original unchanged, the copy dropped', async () => {
    const result = await runCli(project.path, ['rehearse', 'migrations/split.ts', '--database', db.url, ...FAST, '--json']);
    const report = jsonOf<RehearsalReport>(result);
    expect(report.requests.failures).toEqual([]);
    expect(report).toMatchObject({ ok: true, database: 'postgres', migration: 'split', requests: { failed: 0 }, writes: { lost: 0, checked: true }, verification: { mismatches: 0 } });
    expect(result.code).toBe(0);
    expect(report.copy).toMatchObject({ method: 'template', reason: null, kept: false });
    expect(report.tables.sort()).toEqual(['products', 'users']);
    expect(report.rows).toBe(3500);
    expect(report.requests.total).toBeGreaterThan(0);
    expect(report.writes.acknowledged).toBeGreaterThan(0);
    expect(report.backfill.rows).toBeGreaterThanOrEqual(3500);
    expect(report.locks.measured).toBe(true);
    expect(report.stages.map((s) => s.stage)).toEqual(['copy', 'start', 'backfill', 'verify', 'shadow', 'live 10%', 'live 50%', 'kill switch', 'live 50% again', 'live 100%', 'rampdown', 'verify again', 'complete', 'after complete', 'check']);
    // Every request went through the Midair client of one of 3 instances; its compares found the shapes equal.
    expect(report.instances).toBe(3);
    expect(report.compares.total).toBeGreaterThanOrEqual(50);
    expect(report.compares).toMatchObject({ mismatches: 0, errors: 0, first: [] });
    const live = report.stages.find((s) => s.stage === 'live 50%')!;
    expect(live.sides.old.requests).toBeGreaterThan(0);
    expect(live.sides.new.requests).toBeGreaterThan(0);
    // The requirement: the kill switch reaches every instance within a second of its commit.
    expect(report.killSwitch!.instances).toHaveLength(3);
    expect(report.killSwitch!.maxMs).not.toBeNull();
    expect(report.killSwitch!.maxMs!).toBeLessThan(1000);
    expect(await databaseExists(report.copy.name)).toBe(false);
    expect(await snapshot(db.url)).toEqual(original);
  });

  test('--keep keeps the copy, migrated; a migration name from the migrations folder works too', async () => {
    const result = await runCli(project.path, ['rehearse', 'split', '--database', db.url, ...FAST, '--keep', '--json']);
    const report = jsonOf<RehearsalReport>(result);
    const copyUrl = new URL(db.url);
    copyUrl.pathname = `/${report.copy.name}`;
    try {
      expect(report).toMatchObject({ ok: true, copy: { kept: true } });
      const columns = await withClient(copyUrl.toString(), async (c) => (await c.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'users'`)).rows.map((r) => r.column_name));
      expect(columns.sort()).toEqual(['created_at', 'email', 'first_name', 'id', 'last_name']);
    } finally {
      await withClient(SERVER_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${report.copy.name}" WITH (FORCE)`));
    }
    expect(await snapshot(db.url)).toEqual(original);
  });

  test('with other sessions on the original, it copies the schema and a sample, and says so', async () => {
    const other = new pg.Client(db.url);
    await other.connect();
    try {
      const result = await runCli(project.path, ['rehearse', 'migrations/split.ts', '--database', db.url, ...FAST, '--rows', '1000', '--json']);
      const report = jsonOf<RehearsalReport>(result);
      expect(report.requests.failures).toEqual([]);
      expect(report).toMatchObject({ ok: true, copy: { method: 'sample', kept: false } });
      expect(report.copy.reason).toMatch(/other sessions are connected/);
      expect(report.rows).toBe(1500);
      expect(report.notes.join('\n')).toMatch(/sample copy: schema "public" with up to 1,000 rows/);
      expect(await databaseExists(report.copy.name)).toBe(false);
    } finally {
      await other.end();
    }
    expect(await snapshot(db.url)).toEqual(original);
  });

  test('a migration that cannot work fails the rehearsal, is rolled back, and the text report says why', async () => {
    const result = await runCli(project.path, ['rehearse', 'same_email', '--database', db.url, ...FAST]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^midair rehearse same_email: NOT OK/);
    // Writes through the old shape during start already give two rows the same new email: the unique index build fails.
    expect(result.stdout).toMatch(/(start|backfill) failed: .*(is duplicated|duplicate key)/);
    expect(result.stdout).toMatch(/the migration was rolled back/);
    expect(await snapshot(db.url)).toEqual(original);
  });

  test('bad input: one clear line and a non-zero exit', async () => {
    const cases: [string[], RegExp][] = [
      [['rehearse', 'split'], /rehearse needs a PostgreSQL server/],
      [['rehearse', 'nope', '--database', db.url], /no migration named "nope"/],
      [['rehearse', 'split', '--database', db.url, '--clients', '0'], /--clients must be a whole number above 0/],
      [['rehearse', 'split', '--database', 'postgres://postgres@127.0.0.1:1/app'], /cannot reach the database/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(project.path, args);
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stderr).toMatch(message);
    }
  });

  test('a role that may not create databases gets a clear error, and nothing is created', async () => {
    const role = `midair_t_nocreatedb_${process.pid}`;
    await withClient(SERVER_URL, (c) => c.query(`CREATE ROLE ${role} LOGIN NOCREATEDB`));
    try {
      const url = new URL(db.url);
      url.username = role;
      const result = await runCli(project.path, ['rehearse', 'split', '--database', url.toString(), ...FAST]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/error: rehearse needs to create a database on .* for the copy, and this role may not/);
      expect(result.stderr).toMatch(/hint: .*CREATEDB/);
    } finally {
      await withClient(SERVER_URL, (c) => c.query(`DROP ROLE ${role}`));
    }
    expect(await snapshot(db.url)).toEqual(original);
  });
});
