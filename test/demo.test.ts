import pg from 'pg';
import { afterAll, describe, expect, test } from 'vitest';
import { BUCKET_SECONDS } from '../src/stages/evidence.js';
import { runDemo, type DemoReport } from '../src/demo/run.js';
import type { LiveView } from '../src/workload/liveView.js';
import { runTrafficBounds } from '../src/workload/trafficBounds.js';
import { SERVER_URL, tempDir } from './support/databases.js';
import { jsonOf, runCli, spawnCli } from './support/runCli.js';

const SMALL = { rows: 2000, clients: 4, instances: 3, durationSeconds: 2 };

const STAGES = ['setup', 'start', 'backfill', 'verify', 'shadow', 'live 10%', 'live 50%', 'kill switch', 'live 50% again', 'live 100%', 'rampdown', 'verify again', 'complete', 'after complete', 'check'];

function expectClean(report: DemoReport): void {
  expect(report.requests.failures).toEqual([]);
  expect(report.writes.samples).toEqual([]);
  expect(report.compares.first).toEqual([]);
  expect(report.verification.samples).toEqual([]);
  expect(report.failure).toBeNull();
  expect(report.ok).toBe(true);
  expect(report.requests.failed).toBe(0);
  expect(report.writes.lost).toBe(0);
  expect(report.writes.checked).toBe(true);
  expect(report.verification.mismatches).toBe(0);
  expect(report.requests.total).toBeGreaterThan(0);
  expect(report.writes.acknowledged).toBeGreaterThan(0);
  expect(report.backfill.rows).toBeGreaterThan(0);
  expect(report.verification.rowsChecked).toBeGreaterThanOrEqual(SMALL.rows);
  expect(report.stages.map((s) => s.stage)).toEqual(STAGES);
  // The client's compares ran (shadow needs 50 before live) and found the shapes equal.
  expect(report.compares.total).toBeGreaterThanOrEqual(50);
  expect(report.compares).toMatchObject({ mismatches: 0, errors: 0 });
  // The requirement: the kill switch reaches every instance within a second of its commit.
  expect(report.killSwitch!.instances).toHaveLength(SMALL.instances);
  expect(report.killSwitch!.maxMs).not.toBeNull();
  expect(report.killSwitch!.maxMs!).toBeLessThan(1000);
  // The client's routing decided which shape served: old only before shadow, both while live, new only from rampdown.
  const stage = (name: string) => report.stages.find((s) => s.stage === name)!;
  expect(stage('start').sides.old.requests).toBeGreaterThan(0);
  expect(stage('shadow').sides.new.requests).toBe(0);
  expect(stage('live 50%').sides.old.requests).toBeGreaterThan(0);
  expect(stage('live 50%').sides.new.requests).toBeGreaterThan(0);
  expect(stage('rampdown').sides.old.requests).toBe(0);
  expect(stage('rampdown').sides.new.requests).toBeGreaterThan(0);
  expect(stage('after complete').sides.new.requests).toBeGreaterThan(0);
}

async function databaseExists(name: string): Promise<boolean> {
  const admin = new pg.Client(SERVER_URL);
  await admin.connect();
  try {
    return (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

describe('midair demo', () => {
  test('runs the whole life cycle on the embedded database with nothing failed or lost, saying each step of the setup as it begins', async () => {
    const said: string[] = [];
    const recording: LiveView = { stage: (name) => said.push(`stage ${name}`), note: (m) => said.push(m), progress: (d) => said.push(`progress ${d}`), backfill() {}, close() {} };
    const report = await runDemo({ ...SMALL, view: () => recording });
    expectClean(report);
    // Progress from the first second: what the setup is doing, the users counted as they are created.
    expect(said.slice(0, said.indexOf('stage start'))).toEqual([
      'opening a fresh embedded database (PGlite): creating its files takes a few seconds',
      expect.stringMatching(/^database: embedded \(PGlite\) in /),
      'stage setup',
      'creating the tables users and products',
      'creating 2,000 users',
      'progress 2,000/2,000 users',
      'creating 200 products',
      'starting 3 instances of the application demo-shop, each with a Midair client, for 4 request loops',
    ]);
    expect(report.database).toBe('embedded');
    expect(report.locks).toMatchObject({ maxWaitMs: 0, measured: false });
    expect(report.notes.join(' ')).toMatch(/PGlite .* cannot show lock contention/);
  });

  test('runs on a server with real connections, in a database of its own that it drops', async () => {
    const seen: string[] = [];
    const report = await runDemo({
      ...SMALL,
      database: SERVER_URL,
      afterStage: async (stage, db) => {
        if (stage !== 'live 50%') return;
        // Every instance's Midair client has a pool of its own, with a session per concurrent request at least.
        const [row] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'demo-shop' AND datname = current_database()`);
        seen.push(row!.n);
        const [name] = await db.query<{ db: string }>('SELECT current_database() AS db');
        seen.push(name!.db);
      },
    });
    expectClean(report);
    expect(report.database).toBe('postgres');
    expect(report.locks.measured).toBe(true);
    expect(Number(seen[0])).toBeGreaterThanOrEqual(SMALL.clients);
    expect(seen[1]).toMatch(/^midair_demo_/);
    // Only this run's database: other demo runs on the shared server have databases of their own.
    expect(await databaseExists(seen[1]!)).toBe(false);
  });

  test('a broken sync is reported: verify finds the mismatches, the migration is rolled back', async () => {
    const report = await runDemo({
      ...SMALL,
      database: SERVER_URL,
      afterStage: async (stage, db) => {
        // Behind Midair's back: new columns that no longer follow from the old ones.
        if (stage === 'backfill') await db.exec(`ALTER TABLE users DISABLE TRIGGER ALL; UPDATE users SET last_name = 'Broken' WHERE id % 10 = 0; ALTER TABLE users ENABLE TRIGGER ALL`);
      },
    });
    expect(report.ok).toBe(false);
    expect(report.verification.mismatches).toBeGreaterThan(0);
    expect(report.verification.samples[0]).toMatchObject({ table: 'users', column: 'last_name', actual: 'Broken' });
    expect(report.failure).toMatchObject({ stage: 'verify', rolledBack: true });
    expect(report.writes.checked).toBe(false);
  });

  test('a difference between the shapes shows up in the client\'s compares with its keys, and the gate to live holds', async () => {
    const report = await runDemo({
      ...SMALL,
      database: SERVER_URL,
      afterStage: async (stage, db) => {
        // After verify, behind Midair's back: every fifth user's new last_name no longer follows from name.
        if (stage === 'verify') await db.exec(`ALTER TABLE users DISABLE TRIGGER ALL; UPDATE users SET last_name = 'Broken' WHERE id % 5 = 0; ALTER TABLE users ENABLE TRIGGER ALL`);
      },
    });
    expect(report.ok).toBe(false);
    expect(report.compares.mismatches).toBeGreaterThan(0);
    expect(report.compares.first.length).toBeGreaterThan(0);
    for (const m of report.compares.first) expect(m).toMatchObject({ key: expect.stringMatching(/^users:\d*[05]$/), stage: 'shadow' });
    expect(report.failure).toMatchObject({ stage: 'shadow', rolledBack: true });
    expect(report.failure!.message).toMatch(/mismatch/);
    expect(report.killSwitch).toBeNull();
  });

  test('a write lost after complete is found by the ledger', async () => {
    const report = await runDemo({
      ...SMALL,
      database: SERVER_URL,
      afterStage: async (stage, db) => {
        if (stage === 'complete') await db.exec(`UPDATE users SET first_name = 'Overwritten'; DELETE FROM products WHERE id % 2 = 0`);
      },
    });
    expect(report.ok).toBe(false);
    expect(report.failure).toBeNull();
    expect(report.writes.lost).toBeGreaterThan(0);
    expect(report.writes.samples.some((w) => w.field === 'first_name' && w.actual === 'Overwritten')).toBe(true);
    expect(report.writes.samples.every((w) => w.field === 'first_name' || w.actual === '(missing)')).toBe(true);
  });
});

describe('the traffic bounds of a run', () => {
  test.each([0.25, 1.25, 17, 60])('soaking %ss per stage, the ramp window still holds the step before the kill when live resumes', (soak) => {
    // Killed instances compare nothing, so resuming is judged on the compares of the step before the
    // kill: the window must reach back over the kill's soak and that step, in whole client buckets.
    expect(runTrafficBounds(soak).windowSeconds).toBeGreaterThanOrEqual(2 * soak + BUCKET_SECONDS);
  });
});

describe('midair demo (command line)', () => {
  const cwd = tempDir('demo-cli');
  afterAll(() => cwd.remove());

  test('--json prints one report object; the text report names the verdict', async () => {
    const json = await runCli(cwd.path, ['demo', '--database', SERVER_URL, '--rows', '1000', '--clients', '3', '--instances', '2', '--duration', '2', '--json']);
    expect(json.code).toBe(0);
    const report = jsonOf<DemoReport>(json);
    expect(report).toMatchObject({ ok: true, database: 'postgres', rows: 1000, instances: 2, requests: { failed: 0 }, writes: { lost: 0 }, verification: { mismatches: 0 }, compares: { mismatches: 0 } });
    for (const key of ['requests', 'writes', 'verification', 'compares', 'killSwitch', 'backfill', 'locks', 'latency', 'stages']) expect(report).toHaveProperty(key);
    expect(json.stderr).toMatch(/live 50%/);
    // The progress goes to stderr, one line per step when it is not a terminal (no counts redrawn).
    const steps = json.stderr.split('\n').map((l) => l.replace(/^\[[^\]]*\] /, ''));
    expect(steps.slice(0, 6)).toEqual([
      'creating a database of its own on the server',
      expect.stringMatching(/^database: postgres /),
      'setup: 1,000 users, 100 products',
      'creating the tables users and products',
      'creating 1,000 users',
      'creating 100 products',
    ]);
    expect(json.stderr).not.toMatch(/1,000\/1,000 users/);

    const text = await runCli(cwd.path, ['demo', '--database', SERVER_URL, '--rows', '1000', '--clients', '3', '--duration', '2']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^midair demo: OK/);
    expect(text.stdout).toMatch(/writes +\d[\d,]* acknowledged, 0 lost/);
    expect(text.stdout).toMatch(/compares +\d[\d,]* reads of both shapes compared, 0 mismatches/);
    expect(text.stdout).toMatch(/kill switch +reached all 3 instances in \d/);
    expect(text.stdout).toMatch(/\nlive 50% again +\S+ +50% new /);
  });

  test.each([
    [['--rows', '0'], /--rows must be a whole number above 0 \(got "0"\)/],
    [['--clients', '-2'], /--clients must be a whole number above 0/],
    [['--rows', 'many'], /--rows must be a whole number above 0 \(got "many"\)/],
    [['--duration', 'soon'], /--duration must be a number above 0/],
    [['--database', 'postgres://postgres@127.0.0.1:1/nowhere'], /cannot reach the database/],
  ])('bad input %j: one clear line and a non-zero exit', async (args, message) => {
    const result = await runCli(cwd.path, ['demo', ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('Ctrl-C stops the traffic, rolls the migration back and says so', async () => {
    const run = spawnCli(cwd.path, ['demo', '--database', SERVER_URL, '--rows', '1000', '--clients', '3', '--duration', '10']);
    let stderr = '';
    await new Promise<void>((resolve) => {
      run.child.stderr!.on('data', (chunk) => {
        stderr += chunk;
        if (/live 10%/.test(stderr)) resolve();
      });
      // A run that ends before live 10% fails the assertions below instead of hanging the test.
      run.child.on('close', () => resolve());
    });
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/error: interrupted during live 10%: stopped the simulated application; rolled the migration back/);
  });
});
