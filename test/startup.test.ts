import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freshDatabase, tempDir } from './support/databases.js';
import { REPO } from './support/project.js';
import { expectSuccess, runCli } from './support/runCli.js';

/** Each verb loads only what it needs, and user files import 'midair' from wherever they are. */

const RECORDER = fileURLToPath(new URL('./support/recordLoadedModules.mjs', import.meta.url));
const DIST = pathToFileURL(join(REPO, 'dist')).href + '/';

const JS_CONFIG = `import { defineConfig } from 'midair';\n\nexport default defineConfig({ migrationsDir: 'migrations' });\n`;

const NOTES = `import { defineMigration, op } from 'midair';

export default defineMigration({
  name: 'notes',
  operations: [op.createTable({ name: 'notes', columns: [{ name: 'id', type: 'integer' }, { name: 'body', type: 'text' }], primaryKey: ['id'] })],
});
`;

/** A folder with no node_modules (and none above it): what `npx midair init` from a global install leaves. */
function projectWithout(files: Record<string, string>): ReturnType<typeof tempDir> {
  const dir = tempDir('startup');
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir.path, name), content);
  mkdirSync(join(dir.path, 'migrations'));
  return dir;
}

/** Runs the CLI and returns the URLs of the modules it imported, in load order. */
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

/** Each of Midair's own modules loaded once, at its own URL: no second copy of the library (tsx tags its copies with a query). */
function expectOneCopyOfMidair(urls: string[]): void {
  const own = from(urls, DIST);
  expect(own.length).toBeGreaterThan(0);
  expect(own.filter((u) => u.includes('?'))).toEqual([]);
  expect(new Set(own).size).toBe(own.length);
}

test('the recorder sees PGlite and tsx when they are imported (so the checks below can fail)', () => {
  const dir = tempDir('startup-recorder');
  try {
    const log = join(dir.path, 'loaded.txt');
    writeFileSync(log, '');
    const script = "await import('@electric-sql/pglite'); await import('tsx/esm/api');";
    const run = spawnSync(process.execPath, ['--import', RECORDER, '--input-type=module', '-e', script], { cwd: REPO, env: { ...process.env, MIDAIR_TEST_LOADED: log }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const urls = readFileSync(log, 'utf8').split('\n');
    expect(from(urls, PGLITE).length).toBeGreaterThan(0);
    expect(from(urls, TSX).length).toBeGreaterThan(0);
  } finally {
    dir.remove();
  }
});

test('--version loads no driver, no TypeScript loader, none of the library', async () => {
  const dir = tempDir('startup-version');
  try {
    const urls = await loadedBy(dir.path, ['--version']);
    expect(from(urls, PGLITE)).toEqual([]);
    expect(from(urls, TSX)).toEqual([]);
    expect(from(urls, PG)).toEqual([]);
    expect(from(urls, `${DIST}midair.js`)).toEqual([]);
  } finally {
    dir.remove();
  }
});

describe('a project whose midair.config.js imports midair, with no node_modules', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeAll(() => {
    dir = projectWithout({ 'midair.config.js': JS_CONFIG, 'package.json': JSON.stringify({ type: 'module' }) });
  });
  afterAll(() => dir.remove());

  test('`new` loads the config natively (no tsx), and neither PGlite nor pg', async () => {
    const urls = await loadedBy(dir.path, ['new', 'first']);
    expect(readdirSync(join(dir.path, 'migrations'))).toEqual([expect.stringMatching(/^\d+_first\.ts$/)]);
    expect(from(urls, 'midair.config.js')).toHaveLength(1);
    expect(from(urls, TSX)).toEqual([]);
    expect(from(urls, PGLITE)).toEqual([]);
    expect(from(urls, PG)).toEqual([]);
    expectOneCopyOfMidair(urls);
  });

  test('`status` on a server loads pg, and neither PGlite nor tsx', async () => {
    const db = await freshDatabase('startup');
    try {
      const urls = await loadedBy(dir.path, ['status'], { DATABASE_URL: db.url });
      expect(from(urls, PG).length).toBeGreaterThan(0);
      expect(from(urls, PGLITE)).toEqual([]);
      expect(from(urls, TSX)).toEqual([]);
      expectOneCopyOfMidair(urls);
    } finally {
      await db.drop();
    }
  });
});

// A .ts file in a folder without "type": "module" is compiled to CommonJS by tsx, so 'midair' is require()d there.
describe.each([
  ['an ES module package', { 'package.json': JSON.stringify({ type: 'module' }) }],
  ['a folder with no package.json', {}],
])('midair.config.ts importing midair in %s, with no node_modules', (_, files) => {
  test('`new` and `plan` load it and a migration file with tsx, and one copy of the library', async () => {
    const db = await freshDatabase('startup_ts');
    const dir = projectWithout(files);
    try {
      expectSuccess(await runCli(dir.path, ['init'], { DATABASE_URL: db.url }), 'midair init');
      expect(readFileSync(join(dir.path, 'midair.config.ts'), 'utf8')).toContain("from 'midair'");
      const created = await loadedBy(dir.path, ['new', 'notes']);
      expect(from(created, TSX).length).toBeGreaterThan(0);
      expectOneCopyOfMidair(created);
      const [file] = readdirSync(join(dir.path, 'migrations'));
      writeFileSync(join(dir.path, 'migrations', file!), NOTES);
      const planned = await loadedBy(dir.path, ['plan', 'notes'], { DATABASE_URL: db.url });
      expect(from(planned, `${file}?`)).toHaveLength(1);
      expectOneCopyOfMidair(planned);
    } finally {
      dir.remove();
      await db.drop();
    }
  });
});
