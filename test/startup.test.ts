import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freshDatabase, tempDir } from './support/databases.js';
import { REPO } from './support/project.js';
import { expectSuccess, runCli } from './support/runCli.js';

/** Each verb loads only what it needs, and user files import 'midair' from wherever they are. */

const RECORDER = fileURLToPath(new URL('./support/recordLoadedModules.mjs', import.meta.url));
const ENTRY = join(REPO, 'dist', 'index.js');

/**
 * Lines a user file starts with: its 'midair' must be the library the CLI runs, the module at the
 * entry's own path, not a second copy (which is what tsx's import() used to load), or it fails.
 */
const IMPORT_MIDAIR_ONCE = (name: string) => `import { createRequire } from 'node:module';
import { ${name} } from 'midair';

const running = createRequire(${JSON.stringify(ENTRY)})(${JSON.stringify(ENTRY)});
if (running.${name} !== ${name}) throw new Error('a second copy of midair');
`;

const CONFIG = `${IMPORT_MIDAIR_ONCE('defineConfig')}
export default defineConfig({ migrationsDir: 'migrations' });
`;

const NOTES = `${IMPORT_MIDAIR_ONCE('defineMigration')}import { op } from 'midair';

export default defineMigration({
  name: 'notes',
  operations: [op.createTable({ name: 'notes', columns: [{ name: 'id', type: 'integer' }, { name: 'body', type: 'text' }], primaryKey: ['id'] })],
});
`;

/** A folder with no node_modules (and none above it): what `npx midair init` from a global install leaves. */
function projectWithout(files: Record<string, string>): ReturnType<typeof tempDir> {
  const dir = tempDir('startup');
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir.path, name), content);
  mkdirSync(join(dir.path, 'migrations'), { recursive: true });
  return dir;
}

/** Runs the CLI and returns the URLs of the modules it imported and the paths of those it required. */
async function loadedBy(cwd: string, args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const log = join(cwd, 'loaded.txt');
  writeFileSync(log, '');
  expectSuccess(await runCli(cwd, args, { ...env, NODE_OPTIONS: `--import=${RECORDER}`, MIDAIR_TEST_LOADED: log }), `midair ${args.join(' ')}`);
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

const from = (urls: string[], part: string) => urls.filter((u) => u.includes(part));
const PGLITE = '/node_modules/@electric-sql/pglite/';
const TSX = '/node_modules/tsx/';
const PG = '/node_modules/pg/';
const HOLIDAYS = '/node_modules/date-holidays/';

test('the recorder sees PGlite, tsx and pg when they are imported, and date-holidays when it is required (so the checks below can fail)', () => {
  const dir = tempDir('startup-recorder');
  try {
    const log = join(dir.path, 'loaded.txt');
    writeFileSync(log, '');
    const script = "await import('@electric-sql/pglite'); await import('tsx/cjs/api'); await import('pg'); (await import('node:module')).createRequire(import.meta.url)('date-holidays');";
    const run = spawnSync(process.execPath, ['--import', RECORDER, '--input-type=module', '-e', script], { cwd: REPO, env: { ...process.env, MIDAIR_TEST_LOADED: log }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const urls = readFileSync(log, 'utf8').split('\n');
    for (const part of [PGLITE, TSX, PG, HOLIDAYS]) expect(from(urls, part).length, part).toBeGreaterThan(0);
  } finally {
    dir.remove();
  }
});

test('--version loads no driver, no TypeScript compiler, none of the library', async () => {
  const dir = tempDir('startup-version');
  try {
    const urls = await loadedBy(dir.path, ['--version']);
    expect(from(urls, PGLITE)).toEqual([]);
    expect(from(urls, TSX)).toEqual([]);
    expect(from(urls, PG)).toEqual([]);
    expect(from(urls, 'dist/midair.js')).toEqual([]);
  } finally {
    dir.remove();
  }
});

describe('a project whose midair.config.js imports midair, with no node_modules', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeAll(() => {
    dir = projectWithout({ 'midair.config.js': CONFIG, 'package.json': JSON.stringify({ type: 'module' }) });
  });
  afterAll(() => dir.remove());

  test('`new` imports the config as it is (no tsx), and neither PGlite nor pg', async () => {
    const urls = await loadedBy(dir.path, ['new', 'first']);
    expect(readdirSync(join(dir.path, 'migrations'))).toEqual([expect.stringMatching(/^\d+_first\.ts$/)]);
    expect(from(urls, 'midair.config.js')).toHaveLength(1);
    expect(from(urls, TSX)).toEqual([]);
    expect(from(urls, PGLITE)).toEqual([]);
    expect(from(urls, PG)).toEqual([]);
  });

  test('`status` on a server loads pg, and neither PGlite nor tsx, nor date-holidays (no team names a region)', async () => {
    const db = await freshDatabase('startup');
    try {
      const urls = await loadedBy(dir.path, ['status'], { DATABASE_URL: db.url });
      expect(from(urls, PG).length).toBeGreaterThan(0);
      expect(from(urls, PGLITE)).toEqual([]);
      expect(from(urls, TSX)).toEqual([]);
      expect(from(urls, HOLIDAYS)).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});

// tsx compiles every .ts user file to CommonJS, so 'midair' is require()d there, whatever the package type.
describe.each([
  ['an ES module package', { 'package.json': JSON.stringify({ type: 'module' }) }],
  ['a folder with no package.json', {}],
])('midair.config.ts from `midair init` in %s, with no node_modules', (_, files) => {
  test('`new` and `plan` load it and a migration file with tsx, and the migration file gets the running library', async () => {
    const db = await freshDatabase('startup_ts');
    const dir = projectWithout(files);
    try {
      expectSuccess(await runCli(dir.path, ['init'], { DATABASE_URL: db.url }), 'midair init');
      expect(readFileSync(join(dir.path, 'midair.config.ts'), 'utf8')).toContain("from 'midair'");
      const created = await loadedBy(dir.path, ['new', 'notes']);
      expect(from(created, TSX).length).toBeGreaterThan(0);
      const [file] = readdirSync(join(dir.path, 'migrations'));
      writeFileSync(join(dir.path, 'migrations', file!), NOTES);
      const plan = expectSuccess(await runCli(dir.path, ['plan', 'notes'], { DATABASE_URL: db.url }), 'midair plan notes');
      expect(plan.stdout).toContain('CREATE TABLE');
    } finally {
      dir.remove();
      await db.drop();
    }
  });
});
