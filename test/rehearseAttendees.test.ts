import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { demoMigration } from '../src/demo/migration.js';
import { checksumOf } from '../src/migration/load.js';
import { freshDatabase, tempDir, type TestDatabase } from './support/databases.js';
import { PLAYBOOK_TEAM } from './support/playbookFixture.js';
import { makeProject } from './support/project.js';
import { expectSuccess, jsonOf, runCli } from './support/runCli.js';

const SPLIT = `import { defineMigration } from 'midair';

export default defineMigration(${JSON.stringify(demoMigration, null, 2)});
`;
const CONFIG = `import { defineConfig } from 'midair';

export default defineConfig({ team: ${JSON.stringify(PLAYBOOK_TEAM, null, 2)} });
`;
// The demo's tables, small: the rehearsal copies them, and the playbook plans against them.
const SCHEMA = `
  CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, email text, created_at timestamptz NOT NULL DEFAULT now());
  INSERT INTO users (name, email) SELECT 'First' || g || ' Last' || g, CASE WHEN g % 10 = 0 THEN NULL ELSE 'u' || g || '@x.io' END FROM generate_series(1, 500) g;
  CREATE TABLE products (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text NOT NULL, price text NOT NULL);
  INSERT INTO products (title, price) SELECT 'p' || g, (g * 1.5)::text FROM generate_series(1, 50) g;
`;
const FAST = ['--clients', '2', '--instances', '2', '--duration', '2'];

async function query<T>(url: string, sql: string): Promise<T[]> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

/** How many rehearsals a database holds (none before its control schema is installed). */
async function recorded(url: string): Promise<number> {
  const [table] = await query<{ exists: boolean }>(url, `SELECT to_regclass('midair.rehearsals') IS NOT NULL AS exists`);
  if (!table!.exists) return 0;
  const [row] = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM midair.rehearsals');
  return row!.n;
}

describe('midair rehearse --attendees, then midair playbook', () => {
  const project = tempDir('attendees');
  const noTeam = tempDir('attendees-noteam');
  // The database rehearsed on (never written to), and the project's configured one, where the record goes.
  let staging: TestDatabase;
  let configured: TestDatabase;

  beforeAll(async () => {
    makeProject(project.path, { 'midair.config.ts': CONFIG, 'migrations/split.ts': SPLIT });
    makeProject(noTeam.path, { 'migrations/split.ts': SPLIT });
    [staging, configured] = await Promise.all([freshDatabase('attendees-staging'), freshDatabase('attendees-configured')]);
    await Promise.all([query(staging.url, SCHEMA), query(configured.url, SCHEMA)]);
  });
  afterAll(async () => {
    await staging?.drop();
    await configured?.drop();
    project.remove();
    noTeam.remove();
  });

  test('an unknown person, an empty list, no team, or no database to record in: refused before anything is copied', async () => {
    const env = { DATABASE_URL: configured.url };
    const before = await recorded(configured.url);
    const unknown = await runCli(project.path, ['rehearse', 'split', '--database', staging.url, '--attendees', 'ana,zed,yan'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--attendees: "zed", "yan" are not people of the team/);
    expect(unknown.stderr).toMatch(/hint: use the ids of team.people in midair.config.ts: ana, ben, cleo, dana/);
    const empty = await runCli(project.path, ['rehearse', 'split', '--database', staging.url, '--attendees', ' , '], env);
    expect(empty.stderr).toMatch(/--attendees is empty/);
    const without = await runCli(noTeam.path, ['rehearse', 'split', '--database', staging.url, '--attendees', 'ana'], env);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/`midair rehearse --attendees` needs a team, and none is configured/);
    const unconfigured = await runCli(project.path, ['rehearse', 'split', '--database', staging.url, '--attendees', 'ana']);
    expect(unconfigured.stderr).toMatch(/--attendees records the rehearsal in the project's database, the one `midair playbook` reads, and none is configured/);
    expect(await recorded(configured.url)).toBe(before);
    expect(await query(staging.url, `SELECT 1 FROM pg_namespace WHERE nspname = 'midair'`)).toEqual([]);
  });

  test('a rehearsal with attendees is recorded in the configured database, and the playbook shows it', async () => {
    const result = expectSuccess(await runCli(project.path, ['rehearse', 'split', '--database', staging.url, ...FAST, '--attendees', 'ana,ben', '--json'], { DATABASE_URL: configured.url }), 'rehearse --attendees');
    expect(jsonOf(result)).toMatchObject({ ok: true, attendees: ['ana', 'ben'], recordError: null });
    const [row] = await query<{ migration: string; checksum: string; ok: boolean; attendees: string[]; stages: { stage: string; seconds: number }[]; database: string }>(
      configured.url,
      'SELECT migration, checksum, ok, attendees, stages, database FROM midair.rehearsals',
    );
    expect(row).toMatchObject({ migration: 'split', checksum: checksumOf(demoMigration), ok: true, attendees: ['ana', 'ben'], database: expect.stringContaining(staging.name) });
    expect(row!.stages.map((s) => s.stage)).toEqual(expect.arrayContaining(['start', 'backfill', 'verify', 'shadow', 'live 10%', 'live 50%', 'live 100%', 'rampdown', 'complete']));
    // The database rehearsed on is never written to.
    expect(await query(staging.url, `SELECT 1 FROM pg_namespace WHERE nspname = 'midair'`)).toEqual([]);

    const playbook = expectSuccess(await runCli(project.path, ['playbook', 'split'], { DATABASE_URL: configured.url }), 'playbook');
    expect(playbook.stdout).toMatch(/^# Playbook: split/);
    expect(playbook.stdout).toContain('Attended by Ana Lima (ana) and Ben Okafor (ben).');
    expect(playbook.stdout).not.toContain('not rehearsed');
    expect(playbook.stderr).not.toMatch(/warning/);

    const out = join(project.path, 'playbook.html');
    const html = expectSuccess(await runCli(project.path, ['playbook', 'split', '--format', 'html', '--out', out], { DATABASE_URL: configured.url }), 'playbook --format html');
    expect(html.stdout).toBe(`wrote the playbook of "split" to ${out}\n`);
    expect(existsSync(out) && readFileSync(out, 'utf8')).toMatch(/^<!DOCTYPE html>[\s\S]*Attended by Ana Lima \(ana\) and Ben Okafor \(ben\)\.[\s\S]*<\/html>\n$/);
  });

  test('the playbook warns on stderr when the secondary never rehearsed; a bad --format is refused', async () => {
    const fresh = await freshDatabase('attendees-fresh');
    try {
      await query(fresh.url, SCHEMA);
      const result = expectSuccess(await runCli(project.path, ['playbook', 'split', '--json'], { DATABASE_URL: fresh.url }), 'playbook --json');
      expect(result.stderr).toMatch(/warning: migration "split" was never rehearsed/);
      expect(result.stderr).toMatch(/warning: the secondary, Ben Okafor \(ben\), never rehearsed "split"/);
      const data = jsonOf<{ playbook: { warnings: string[] }; document: string }>(result);
      expect(data.playbook.warnings).toHaveLength(2);
      expect(data.document).toContain('**Warning:** the secondary, Ben Okafor (ben), never rehearsed');
      const bad = await runCli(project.path, ['playbook', 'split', '--format', 'pdf'], { DATABASE_URL: fresh.url });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/--format "pdf" is not a playbook format/);
    } finally {
      await fresh.drop();
    }
  });
});
