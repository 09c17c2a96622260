import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMidair } from '../src/index.js';
import { dropRole, freshDatabase, tempDir } from './support/databases.js';
import { makeProject } from './support/project.js';
import { expectSuccess, runCli, type CliResult } from './support/runCli.js';

const migration = (name: string, operations: string, exported = 'export default') => `import { defineMigration, op } from 'midair';
${exported} defineMigration({ name: '${name}', operations: [${operations}] });
`;
const ADD_NICK = migration('add_nick', `op.addColumn({ table: 'users', column: { name: 'nick', type: 'text' }, up: 'lower(name)' })`);
const BROKEN = `import { defineMigration, op } from 'midair';
export default defineMigration({ name: 'broken', operations: [op.addColumn({ table: 'users' column: {} })] });
`;

/** One `error:` line and one `hint:` line on stderr, exit 1. */
function failure(result: CliResult): { error: string; hint: string } {
  expect(result.code, result.stderr).toBe(1);
  const line = (prefix: string) => result.stderr.split('\n').find((l) => l.startsWith(prefix))?.slice(prefix.length) ?? '';
  return { error: line('error: '), hint: line('hint: ') };
}

describe('messages that lead to the fix (CLI, real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let admin: pg.Client;
  const dir = tempDir('messages');
  const cli = (...args: string[]) => runCli(dir.path, [...args, '--database', db.url]);

  beforeAll(async () => {
    db = await freshDatabase('messages');
    admin = new pg.Client(db.url);
    await admin.connect();
    await admin.query(`CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL); INSERT INTO users (name) VALUES ('Ann'), ('Bob')`);
    makeProject(dir.path, { 'migrations/001_nick.ts': ADD_NICK, 'migrations/002_broken.ts': BROKEN });
  });

  afterAll(async () => {
    await admin?.end();
    await db?.drop();
    dir.remove();
  });

  test('asking for one migration does not fail on another file: a missing name lists the migrations there', async () => {
    const missing = failure(await cli('plan', 'nosuch'));
    expect(missing.error).toBe(`no migration named "nosuch" in ${join(dir.path, 'migrations')}`);
    expect(missing.hint).toBe('give a file path or one of the migrations there: add_nick (001_nick.ts), 002_broken.ts (does not load: `midair plan 002_broken.ts` says why)');
    // The name a file declares is found past the broken file; the broken file's error is its own.
    expect(expectSuccess(await cli('plan', 'add_nick'), 'plan add_nick').stdout).toContain('ADD COLUMN "nick" text');
    expect(failure(await cli('plan', '002_broken.ts')).error).toMatch(/002_broken\.ts: the migration file does not load: .*Expected "}" but found "column"/);
  });

  test('a migration or config file without a default export says so and shows what it should look like', async () => {
    const project = tempDir('messages-commonjs');
    try {
      makeProject(project.path, { 'migrations/001_nick.ts': migration('add_nick', `op.sql({ up: 'SELECT 1', down: 'SELECT 1' })`, 'export const m =') });
      for (const kind of ['commonjs', 'module']) {
        // Without "type": "module" (npm init's default) the file is compiled as CommonJS.
        writeFileSync(join(project.path, 'package.json'), JSON.stringify({ type: kind, private: true }));
        rmSync(join(project.path, 'midair.config.ts'), { force: true });
        const file = failure(await runCli(project.path, ['plan', 'nick', '--database', db.url]));
        expect(file.error).toBe(`${join(project.path, 'migrations/001_nick.ts')}: the migration file has no default export`);
        expect(file.hint).toBe("Midair reads the default export: write `export default defineMigration({ name: '...', operations: [...] })`, not `export const ... =`");

        writeFileSync(join(project.path, 'midair.config.ts'), `import { defineConfig } from 'midair';\nexport const config = defineConfig({ schema: 'public' });\n`);
        const config = failure(await runCli(project.path, ['status', '--database', db.url]));
        expect(config.error).toBe(`${join(project.path, 'midair.config.ts')}: the config file has no default export`);
        expect(config.hint).toBe("Midair reads the default export: write `export default defineConfig({ schema: 'public' })`, not `export const ... =`");
      }
    } finally {
      project.remove();
    }
  });

  test('plan, start, status and complete tell the search_path that latest prints: version schema, then base schema', async () => {
    const plan = expectSuccess(await cli('plan', 'add_nick'), 'plan');
    expect(plan.stdout).toContain('new-release clients use search_path "public_add_nick,public"');
    const start = expectSuccess(await cli('start', 'add_nick'), 'start');
    const latest = expectSuccess(await cli('latest', '--search-path'), 'latest').stdout.trim();
    expect(latest).toBe('public_add_nick,public');
    expect(start.stdout).toContain(`new-release clients use search_path "${latest}"`);
    expect(start.stdout).toContain('next: `midair backfill add_nick`'); // status's next step, not a fixed line
    expect(expectSuccess(await cli('status'), 'status').stdout).toContain(`latest search_path: ${latest}`);
    const midair = await createMidair({ database: db.url });
    try {
      await midair.backfill();
      await midair.verify();
    } finally {
      await midair.close();
    }
    const complete = expectSuccess(await cli('complete', '--json'), 'complete');
    expect(JSON.parse(complete.stdout)).toMatchObject({ searchPath: latest }); // as after complete: the last one's version schema stays first
  });

  test('a role without privileges is told which privilege Midair needs for what, and what to GRANT', async () => {
    const role = `midair_weak_${process.pid}`;
    await admin.query(`CREATE ROLE "${role}" LOGIN`);
    try {
      const url = new URL(db.url);
      url.username = role;
      const weak = (...args: string[]) => runCli(dir.path, [...args, '--database', url.toString()]);
      await admin.query(`DROP SCHEMA IF EXISTS midair CASCADE`);

      const init = failure(await weak('init'));
      expect(init.error).toBe(`missing privilege: permission denied for database ${db.name} (as role "${role}")`);
      expect(init.hint).toMatch(/^Midair creates schemas: its control schema "midair" .* and a version schema per migration, which needs CREATE on the database: /);
      expect(init.hint).toContain(`GRANT CREATE ON DATABASE "${db.name}" TO "${role}"`);

      expectSuccess(await cli('init'), 'init as the owner');
      const status = failure(await weak('status'));
      expect(status.error).toBe(`missing privilege: permission denied for schema midair (as role "${role}")`);
      expect(status.hint).toContain(`GRANT USAGE ON SCHEMA midair TO "${role}"`);

      // With the control schema granted (and no CREATE on the database), it works there; altering a table needs its owner.
      await admin.query(`GRANT USAGE ON SCHEMA midair TO "${role}"; GRANT ALL ON ALL TABLES IN SCHEMA midair TO "${role}"; GRANT ALL ON ALL SEQUENCES IN SCHEMA midair TO "${role}"; GRANT SELECT ON users TO "${role}"`);
      writeFileSync(join(dir.path, 'migrations/003_shout.ts'), migration('shout', `op.addColumn({ table: 'users', column: { name: 'shout', type: 'text' }, up: 'upper(name)' })`));
      const start = failure(await weak('start', 'shout'));
      expect(start.error).toBe(`start: missing privilege: must be owner of table users (as role "${role}")`);
      expect(start.hint).toBe(`Midair alters the tables a migration changes (columns, triggers, constraints), which PostgreSQL allows only their owner: run Midair as "postgres", the owner of "users", or GRANT "postgres" TO "${role}"`);
    } finally {
      rmSync(join(dir.path, 'migrations/003_shout.ts'), { force: true }); // the other tests list the folder
      await admin.query(`DROP OWNED BY "${role}"`);
      await dropRole(role);
    }
  });
});
