import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freshDatabase, tempDir, type TestDatabase } from './support/databases.js';
import { makeProject } from './support/project.js';
import { expectSuccess, jsonOf, runCli } from './support/runCli.js';

// `midair slo`, `midair slo report` and `midair downtime` through the real CLI. The CLI reads the real
// clock, so the requests are written at minutes counted back from the database's now.
const SERVICES = {
  api: { availability: 99.9 },
  search: { availability: 99, latency: { percent: 95, underMs: 300 } },
  // Nothing listens on port 9: the SLI cannot be read.
  metrics: { availability: 99.9, sli: { prometheus: { url: 'http://127.0.0.1:9', good: 'sum(rate(ok[$window]))', total: 'sum(rate(all[$window]))' } } },
};

const MINUTE = 60_000;

// A migration of search: the weekly report lists it in the week it runs.
const MIGRATION = `import { defineMigration, op } from 'midair';
export default defineMigration({
  name: 'add_note',
  service: 'search',
  operations: [op.addColumn({ table: 'items', column: { name: 'note', type: 'text' } })],
});
`;

describe('midair slo and midair downtime (real CLI)', () => {
  let database: TestDatabase;
  let dir: ReturnType<typeof tempDir>;
  /** The minute the requests were written up to (exclusive): the database's now, to the minute. */
  let base: Date;
  const cli = (...args: string[]) => runCli(dir.path, [...args, '--database', database.url]);
  const at = (minutesBefore: number) => new Date(base.getTime() - minutesBefore * MINUTE).toISOString();

  beforeAll(async () => {
    database = await freshDatabase('slo_cli');
    dir = tempDir('slo-cli');
    makeProject(dir.path, { 'midair.config.mjs': `export default ${JSON.stringify({ services: SERVICES })};\n`, 'migrations/001_add_note.ts': MIGRATION });
    expectSuccess(await cli('slo', '--service', 'api'), 'slo (installs the control schema)');
    const admin = new pg.Client(database.url);
    await admin.connect();
    try {
      const { rows } = await admin.query<{ base: Date }>(`SELECT date_trunc('minute', now()) AS base`);
      base = rows[0]!.base;
      // api: 100 requests a minute over the last hour; in the last 5 minutes half of them fail.
      await admin.query(
        `INSERT INTO midair.service_minutes (service, minute, total, good, timed, fast)
         SELECT 'api', $1::timestamptz - k * interval '1 minute', 100, CASE WHEN k <= 5 THEN 50 ELSE 100 END, 100, 100 FROM generate_series(1, 60) AS k`,
        [base.toISOString()],
      );
    } finally {
      await admin.end();
    }
  });
  afterAll(async () => {
    dir?.remove();
    await database?.drop();
  });

  test('slo --json: the budget, burn rates and a fast burn firing; the text names them', async () => {
    const { services } = jsonOf<{ services: { service: string; fastBurn: boolean; objectives: { kind: string; sli: number; burnRates: Record<string, number>; alerts: { name: string; firing: boolean }[] }[] }[] }>(
      expectSuccess(await cli('slo', '--service', 'api', '--json'), 'slo --json'),
    );
    expect(services.map((s) => s.service)).toEqual(['api']);
    const [availability] = services[0]!.objectives;
    // Whatever minute the CLI runs in, its last 5 minutes hold only failing minutes (half fail): 0.5 / 0.001 = 500.
    expect(availability!.burnRates['5m']).toBeCloseTo(500, 6);
    expect(availability!.alerts.find((a) => a.name === 'fast burn (1h and 5m)')!.firing).toBe(true);
    expect(services[0]!.fastBurn).toBe(true);
    const text = expectSuccess(await cli('slo'), 'slo').stdout;
    expect(text).toContain('api (built-in SLI, window 30d');
    expect(text).toMatch(/alerts firing: fast burn \(1h and 5m\), above 14\.4x/);
    // search has no requests at all: its SLI is unknown, with what to check.
    expect(text).toContain('search (built-in SLI, window 30d');
    expect(text).toContain('  SLI unknown: SLI unknown for service "search": no requests tracked in the last 30d\n  hint: is midair.track() or midair.middleware() running');
    const quiet = jsonOf<{ services: { unknown: string; hint: string; budgetLeftPercent: number | null; objectives: unknown[] }[] }>(expectSuccess(await cli('slo', '--service', 'search', '--json'), 'slo --json')).services[0]!;
    expect(quiet).toMatchObject({ unknown: 'SLI unknown for service "search": no requests tracked in the last 30d', budgetLeftPercent: null, objectives: [] });
    expect(quiet.hint).toMatch(/^is midair\.track\(\) or midair\.middleware\(\) running in the service's instances/);
    expect(text).toContain('metrics (prometheus SLI, window 30d');
    expect(text).toContain('SLI unknown for service "metrics"');
  });

  test('downtime plan then list: failing minutes inside the plan are planned once it is declared, the earlier ones unplanned; a past plan is refused', async () => {
    // From 5 minutes before base to 15 after: the plan is declared now (at or after base), so the failing minutes
    // 5 to 1 before base stay unplanned, and only the failing minutes written below, 10 to 12 after base, are planned.
    const plan = await cli('downtime', 'plan', '--service', 'api', '--from', at(5), '--to', at(-15), '--reason', 'move to the new cluster', '--json');
    const { declared } = jsonOf<{ declared: { id: number; kind: string; service: string; from: string; to: string; reason: string; declaredAt: string } }>(expectSuccess(plan, 'downtime plan'));
    expect(declared).toMatchObject({ kind: 'planned', service: 'api', from: at(5), to: at(-15), reason: 'move to the new cluster' });
    expect(Date.parse(declared.declaredAt)).toBeGreaterThanOrEqual(base.getTime());
    const admin = new pg.Client(database.url);
    await admin.connect();
    try {
      await admin.query(
        `INSERT INTO midair.service_minutes (service, minute, total, good, fast)
         SELECT 'api', $1::timestamptz + k * interval '1 minute', 100, 0, 100 FROM generate_series(10, 12) AS k`,
        [base.toISOString()],
      );
    } finally {
      await admin.end();
    }
    const list = jsonOf<{ windows: { id: number }[]; services: { service: string; plannedMinutes: number; unplannedMinutes: number }[] }>(
      expectSuccess(await cli('downtime', 'list', '--service', 'api', '--to', at(-20), '--json'), 'downtime list'),
    );
    expect(list.windows.map((w) => w.id)).toContain(declared.id);
    expect(list.services).toEqual([expect.objectContaining({ service: 'api', plannedMinutes: 3, unplannedMinutes: 5 })]);
    const text = expectSuccess(await cli('downtime', 'list', '--service', 'api', '--to', at(-20)), 'downtime list').stdout;
    expect(text).toContain('api: 3 planned, 5 unplanned breach minutes');
    expect(text).toContain(`#${declared.id} api planned: ${at(5)} to ${at(-15)} (move to the new cluster; by `);
    expect(text).toContain(` at ${declared.declaredAt})`);
    // Consecutive minutes alike are one stretch.
    expect(text).toContain(`${at(5)} to ${at(0)}: 5 min unplanned (availability)`);
    expect(text).toContain(`${at(-10)} to ${at(-13)}: 3 min planned (availability)`);
    const past = await cli('downtime', 'plan', '--service', 'api', '--from', at(5), '--to', at(2), '--reason', 'after the fact');
    expect(past.code).toBe(1);
    expect(past.stderr).toContain(`downtime plan --to ${at(2)} is already past`);
    expect(past.stderr).toContain(`midair downtime incident --service api --from ${at(5)} --to ${at(2)}`);
  });

  test('downtime incident is declared by hand; slo report shows the weeks, the current one partial', async () => {
    expectSuccess(await cli('downtime', 'incident', '--service', 'search', '--from', at(30), '--to', at(20), '--reason', 'DNS outage'), 'downtime incident');
    const report = jsonOf<{ weeks: number; services: { service: string; weeks: { week: string; partial: boolean; unplannedMinutes: number }[] }[] }>(
      expectSuccess(await cli('slo', 'report', '--service', 'search', '--weeks', '2', '--json'), 'slo report'),
    );
    expect(report.weeks).toBe(2);
    const [search] = report.services;
    expect(search!.service).toBe('search');
    expect(search!.weeks.map((w) => w.partial)).toEqual([false, true]);
    // 10 incident minutes, whichever of the two weeks they fell in (the test may run just after Monday 00:00 UTC).
    expect(search!.weeks.reduce((sum, w) => sum + w.unplannedMinutes, 0)).toBe(10);
    const text = expectSuccess(await cli('slo', 'report', '--weeks', '2'), 'slo report').stdout;
    expect(text).toContain('api: availability 99.9% over 30d (budget 43.2 min)');
    expect(text).toMatch(/week\s+availability\s+budget used\s+planned\s+unplanned\s+migrations/);
    expect(text).toContain('* the current week, partial');
    // metrics' SLI cannot be read: its weeks show no figures, not 0 downtime.
    expect(text).toMatch(/metrics: availability 99\.9% over 30d \(budget 43\.2 min\); SLI unknown: SLI unknown for service "metrics"/);
    expect(text).toMatch(/\n {2}\d{4}-W\d{2}\*\s+-\s+-\s+-\s+-\s+-\n/);
  });

  test('slo report lists the migrations of the service that ran in the week, with their stage', async () => {
    expectSuccess(await cli('sql', 'CREATE TABLE items (id int PRIMARY KEY)'), 'sql');
    expectSuccess(await cli('start', 'add_note'), 'start');
    const report = jsonOf<{ services: { service: string; weeks: { partial: boolean; migrations: { name: string; stage: string; endedAt: string | null }[] }[] }[] }>(
      expectSuccess(await cli('slo', 'report', '--weeks', '1', '--json'), 'slo report'),
    );
    const migrationsOf = (service: string) => report.services.find((s) => s.service === service)!.weeks[0]!.migrations;
    expect(migrationsOf('search')).toEqual([expect.objectContaining({ name: 'add_note', stage: 'expanded', endedAt: null })]);
    expect(migrationsOf('api')).toEqual([]);
    expect(expectSuccess(await cli('slo', 'report', '--service', 'search', '--weeks', '1'), 'slo report').stdout).toContain('add_note (expanded)');
  });

  test('slo --enforce runs the budget guard and says what it did (here nothing: no migration of api runs, search burns nothing)', async () => {
    const { enforced } = jsonOf<{ enforced: { paused: boolean; pulled: boolean }[] }>(expectSuccess(await cli('slo', '--enforce', '--json'), 'slo --enforce'));
    expect(enforced.filter((e) => e.paused || e.pulled)).toEqual([]);
    expect(expectSuccess(await cli('slo', '--service', 'api', '--enforce'), 'slo --enforce').stdout).toContain('budget guard: nothing to do');
  });

  test('bad input: an unknown service, from not before to, a time that does not parse, --weeks out of range', async () => {
    const unknown = await cli('downtime', 'plan', '--service', 'billing', '--from', at(5), '--to', at(2), '--reason', 'x');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no service "billing" in the config (declared: api, search, metrics)');
    const backwards = await cli('downtime', 'incident', '--service', 'api', '--from', at(2), '--to', at(5), '--reason', 'x');
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toContain(`from ${at(2)} is not before to ${at(5)}`);
    const unparsed = await cli('downtime', 'plan', '--service', 'api', '--from', 'soon', '--to', at(5), '--reason', 'x');
    expect(unparsed.stderr).toContain('--from "soon" is not a time');
    const local = await cli('downtime', 'incident', '--service', 'api', '--from', at(5), '--to', '2026-03-10T14:00', '--reason', 'x');
    expect(local.code).toBe(1);
    expect(local.stderr).toContain('--to "2026-03-10T14:00" has no time zone');
    expect(local.stderr).toContain('e.g. --to 2026-03-10T14:00:00Z or --to 2026-03-10T15:00:00+01:00');
    const rolled = await cli('downtime', 'plan', '--service', 'api', '--from', '2026-02-30T10:00:00Z', '--to', at(-60), '--reason', 'x');
    expect(rolled.stderr).toContain('--from "2026-02-30T10:00:00Z" is not a real date and time');
    const weeks = await cli('slo', 'report', '--weeks', '0');
    expect(weeks.stderr).toContain('--weeks must be a whole number of weeks from 1 to 520, not "0"');
    const slo = await cli('slo', '--service', 'billing');
    expect(slo.code).toBe(1);
    expect(slo.stderr).toContain('no service "billing" in the config');
  });

  test('bad config: an objective outside (0, 100) and a window that does not parse, each naming its field', async () => {
    const cases: [unknown, string][] = [
      [{ api: { availability: 100 } }, 'field "services.api.availability": an objective is a percentage above 0 and below 100, e.g. 99.9'],
      [{ api: { availability: 0 } }, 'field "services.api.availability": an objective is a percentage above 0 and below 100'],
      [{ api: { availability: 99.9, latency: { percent: 120, underMs: 300 } } }, 'field "services.api.latency.percent": an objective is a percentage above 0 and below 100'],
      [{ api: { availability: 99.9, window: '30 days' } }, 'field "services.api.window": "30 days" is not a window: write a number and a unit, e.g. "30d", "4w", "7d"'],
      [{ api: { availability: 99.9, window: '24h' } }, 'field "services.api.window": "24h" is shorter than 7 days: the burn rates look back up to 3 days'],
    ];
    for (const [services, message] of cases) {
      const bad = tempDir('slo-cli-bad');
      try {
        makeProject(bad.path, { 'midair.config.mjs': `export default ${JSON.stringify({ services })};\n` });
        const result = await runCli(bad.path, ['slo', '--database', database.url]);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain(message);
        expect(result.stderr).toContain('see docs/slo.md for the config fields');
      } finally {
        bad.remove();
      }
    }
  });
});
