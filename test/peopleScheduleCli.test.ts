import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freshDatabase, tempDir, type TestDatabase } from './support/databases.js';
import { makeProject } from './support/project.js';
import { expectSuccess, jsonOf, runCli } from './support/runCli.js';

// `midair team` and `midair schedule` through the real CLI, reading the team from the project's config.
// The CLI reads the real clock, so only what holds at any time is checked.
const TEAM = {
  people: {
    alice: { name: 'Alice', timezone: 'Europe/Berlin', region: 'DE', contacts: [{ email: 'alice@example.com' }, { phone: '+49 30 1234' }] },
    bob: { name: 'Bob', timezone: 'America/New_York', contacts: [{ chat: '@bob' }], workingHours: { from: '08:00', to: '16:00' } },
  },
  tools: { warRoom: { primary: 'https://meet.example.com/db', backup: '+1 555 0100' } },
};

const MIGRATION = `import { defineMigration, op } from 'midair';
export default defineMigration({
  name: 'add_note',
  owners: { primary: 'alice', secondary: 'bob' },
  operations: [op.addColumn({ table: 'items', column: { name: 'note', type: 'text' } })],
});
`;

describe('midair team and midair schedule (real CLI)', () => {
  let database: TestDatabase;
  let dir: ReturnType<typeof tempDir>;
  const cli = (...args: string[]) => runCli(dir.path, [...args, '--database', database.url]);

  beforeAll(async () => {
    database = await freshDatabase('people_cli');
    dir = tempDir('people-cli');
    makeProject(dir.path, { 'midair.config.mjs': `export default ${JSON.stringify({ team: TEAM })};\n`, 'migrations/001_add_note.ts': MIGRATION });
  });
  afterAll(async () => {
    dir?.remove();
    await database?.drop();
  });

  test('team --json: each person with local time, availability and why, next day off; the tools with backups', async () => {
    const team = jsonOf<{ ok: boolean; now: string; people: Record<string, unknown>[]; tools: unknown[] }>(expectSuccess(await cli('team', '--json'), 'team'));
    expect(team.ok).toBe(true);
    expect(team.people.map((p) => p.id)).toEqual(['alice', 'bob']);
    const [alice, bob] = team.people;
    expect(alice).toMatchObject({ name: 'Alice', timezone: 'Europe/Berlin', region: 'DE', roles: [], contacts: TEAM.people.alice.contacts, workingHours: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' } });
    expect(alice!.localTime).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    expect(typeof alice!.availableNow).toBe('boolean');
    // Not available says why; available says nothing.
    expect((alice!.why as string[]).length === 0).toBe(alice!.availableNow);
    // Germany has a public holiday within any year.
    expect(alice!.nextDayOff).toMatchObject({ date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), reasons: [expect.stringMatching(/^public holiday in DE: /)] });
    expect(bob).toMatchObject({ region: null, workingHours: { from: '08:00', to: '16:00' }, nextDayOff: null });
    expect(team.tools).toEqual([{ name: 'warRoom', primary: 'https://meet.example.com/db', backup: '+1 555 0100', description: null }]);
  });

  test('team reads the config only: with no database given it opens none (no embedded database is made)', async () => {
    const team = jsonOf<{ ok: boolean; people: unknown[] }>(expectSuccess(await runCli(dir.path, ['team', '--json']), 'team without a database'));
    expect(team.people).toHaveLength(2);
    expect(existsSync(join(dir.path, '.midair'))).toBe(false);
  });

  test('schedule --days takes a whole number of days from 1 to 366, by the one rule the library applies', async () => {
    for (const days of ['0', 'abc', '367']) {
      const result = await cli('schedule', 'add_note', '--days', days);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`--days must be a whole number of days from 1 to 366, not "${days}"`);
    }
  });

  test('schedule --json: the windows in which both owners are at work, chronological without measured traffic', async () => {
    const report = jsonOf<{ ok: boolean; needed: string[]; order: string; days: number; windows: { start: string; end: string; minutes: number; local: Record<string, { start: string; end: string }>; callsPerHour: null }[] }>(
      expectSuccess(await cli('schedule', 'add_note', '--days', '7', '--json'), 'schedule'),
    );
    expect(report).toMatchObject({ ok: true, migration: 'add_note', needed: ['alice', 'bob'], days: 7, order: 'chronological' });
    // Seven days hold five working days of both, less German holidays (two at Easter) and a first one partly gone.
    expect(report.windows.length).toBeGreaterThanOrEqual(2);
    for (const w of report.windows) {
      expect(w.minutes).toBeGreaterThan(0);
      // Alice's day ends at 17:00 in Berlin, Bob's starts at 08:00 in New York: 3 hours apart, 4 in the weeks the two change clocks on different dates.
      expect(w.minutes).toBeLessThanOrEqual(240);
      expect(w.local.alice!.start).toMatch(/ Europe\/Berlin$/);
      expect(w.local.bob!.start).toMatch(/ America\/New_York$/);
      expect(w.callsPerHour).toBeNull();
    }
    expect([...report.windows].sort((a, b) => a.start.localeCompare(b.start))).toEqual(report.windows);
    const text = expectSuccess(await cli('schedule', 'add_note'), 'schedule (text)').stdout;
    expect(text).toContain('migration "add_note" needs alice, bob at work and no freeze for a risky step');
    expect(text).toContain('(chronological: no traffic measured yet)');
  });
});
