import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildProgram } from '../src/cli/program.js';
import { demoMigration } from '../src/demo/migration.js';
import { createDemoSchema } from '../src/demo/schema.js';
import { createMidair, renderPlaybook, type Midair, type Plan, type Playbook, type TeamConfig } from '../src/index.js';
import { checksumOf } from '../src/migration/load.js';
import { buildPlaybook } from '../src/people/playbook/build.js';
import { readRehearsals } from '../src/rehearse/record.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';
import { demoRehearsal, PLAYBOOK_PAGING, PLAYBOOK_TEAM } from './support/playbookFixture.js';
import { REPO } from './support/project.js';

// Rewrite the golden file after a deliberate change: UPDATE_GOLDEN=1 npx vitest run test/playbook.test.ts
const GOLDEN = join(REPO, 'test/golden/playbook-demo.md');
const quiet = { note() {}, progress() {} };
const CHECKSUM = checksumOf(demoMigration);

/** The `midair ...` command lines a playbook lists: in its command blocks and in its inline code. */
function commandLines(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter(Boolean));
  const inline = [...markdown.matchAll(/`(midair [^`]+)`/g)].map((m) => m[1]!);
  return [...new Set([...blocks, ...inline])];
}

/** A command line's words as a shell splits them (double quotes group). */
function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/** Parses a line with the real program, every action replaced: the verb that would run, or a thrown CommanderError. */
async function verbOf(line: string): Promise<string | null> {
  const program = buildProgram();
  let ran: string | null = null;
  const silence = (c: Command) => {
    c.exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} });
    c.commands.forEach(silence);
  };
  silence(program);
  for (const verb of program.commands) verb.action(() => void (ran = verb.name()));
  const [midair, ...args] = words(line);
  if (midair !== 'midair') throw new Error(`not a midair command: ${line}`);
  await program.parseAsync(args, { from: 'user' });
  return ran;
}

describe('midair playbook', () => {
  let db: TestDatabase;
  let midair: Midair;
  let plan: Plan;
  let golden: Playbook;

  beforeAll(async () => {
    db = await freshDatabase('playbook');
    midair = await createMidair({ database: db.url, team: { ...PLAYBOOK_TEAM, paging: PLAYBOOK_PAGING } });
    await createDemoSchema(midair.db, 100, quiet);
    await midair.recordRehearsal(demoRehearsal(CHECKSUM));
    golden = await midair.playbook(demoMigration);
    plan = await midair.plan(demoMigration);
  });
  afterAll(async () => {
    await midair?.close();
    await db?.drop();
  });

  test('the demo migration with a fixed team and rehearsal gives the golden playbook', () => {
    const markdown = renderPlaybook(golden, 'md');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, markdown);
    expect(markdown).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  test('every midair command line it lists exists and parses, and a wrong one would not', async () => {
    const lines = commandLines(renderPlaybook(golden, 'md'));
    expect(lines).toEqual(
      expect.arrayContaining([
        'midair start split',
        'midair complete split',
        'midair kill split --reason "<why>"',
        'midair gates split',
        // The people steps: approvals, the schedule guard and its override, paging.
        'midair approve split complete',
        'midair approvals split',
        'midair schedule split',
        'midair advance split live --percent 10 --override --reason "<why>"',
        'midair ramp split 50 --override --reason "<why>"',
        'midair complete split --override --reason "<why>"',
        'midair ack split',
        'midair pager --once',
        'midair pager',
      ]),
    );
    for (const line of lines) expect(await verbOf(line), line).toBe(words(line)[1]);
    await expect(verbOf('midair frobnicate split')).rejects.toThrow(/unknown command/);
    await expect(verbOf('midair ramp split')).rejects.toThrow(/missing required argument/);
    await expect(verbOf('midair kill split')).rejects.toThrow(/--reason/);
    // The HTML page lists the same commands.
    const html = renderPlaybook(golden, 'html');
    for (const line of lines) expect(html).toContain(line.replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;'));
  });

  test('a rehearsal is stored and read back, newest first; the secondary who attended an earlier one is not warned of', async () => {
    await midair.recordRehearsal({ ...demoRehearsal('0123456789abcdef'), startedAt: '2026-11-02T09:00:00.000Z', endedAt: '2026-11-02T09:01:00.000Z', ok: false, attendees: ['ben'] });
    const stored = await readRehearsals(midair.db, 'split');
    expect(stored.map((r) => [r.startedAt, r.attendees, r.ok])).toEqual([
      ['2026-11-20T14:03:00.000Z', ['ana', 'cleo'], true],
      ['2026-11-02T09:00:00.000Z', ['ben'], false],
    ]);
    expect(stored[0]).toEqual(demoRehearsal(CHECKSUM));
    const playbook = await midair.playbook(demoMigration);
    expect(playbook.warnings).toEqual([]);
    expect(playbook.steps.map((s) => s.expected)).toEqual(golden.steps.map((s) => s.expected));
    const [audit] = await midair.db.query<{ action: string; details: { attendees: string[] } }>(`SELECT action, details FROM midair.audit_log WHERE action = 'rehearsal recorded' ORDER BY id DESC LIMIT 1`);
    expect(audit).toEqual({ action: 'rehearsal recorded', details: expect.objectContaining({ attendees: ['ben'] }) });
  });

  test('the HTML page is self-contained and every name, address and tool is escaped', () => {
    const evil = '<script>alert("x")</script> & \'Co\'';
    const team: TeamConfig = {
      ...PLAYBOOK_TEAM,
      people: { ...PLAYBOOK_TEAM.people, ana: { name: evil, timezone: 'UTC', contacts: [{ email: '<a href="x">ana</a>@example.com' }] } },
      tools: { warRoom: { primary: 'https://meet.example.com/?a=1&b=<2>', backup: evil } },
    };
    const html = renderPlaybook(buildPlaybook({ migration: demoMigration, checksum: CHECKSUM, plan, team, rehearsals: [], startRisk: null }), 'html');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<a href');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;');
    expect(html).toContain('https://meet.example.com/?a=1&amp;b=&lt;2&gt;');
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(html.trimEnd()).toMatch(/<\/html>$/);
    // Nothing loaded from elsewhere: no scripts, stylesheets, images or links.
    expect(html).not.toMatch(/<(script|link|img|iframe)\b|<[^>]*\b(src|href)=/);
    // Markdown escapes what it would read as formatting.
    const markdown = renderPlaybook(buildPlaybook({ migration: demoMigration, checksum: CHECKSUM, plan, team, rehearsals: [], startRisk: null }), 'md');
    expect(markdown).toContain('\\<script\\>alert("x")\\</script\\> & \'Co\'');
  });

  test('never rehearsed: every step says so, with a warning; another definition or a failed rehearsal is warned of', () => {
    const never = buildPlaybook({ migration: demoMigration, checksum: CHECKSUM, plan, team: PLAYBOOK_TEAM, rehearsals: [], startRisk: null });
    expect(new Set(never.steps.map((s) => s.expected))).toEqual(new Set(['not rehearsed']));
    expect(never.warnings).toEqual([
      'migration "split" was never rehearsed: no expected durations, and nobody has tried the steps; rehearse it with `midair rehearse split --attendees <ids>`',
      'the secondary, Ben Okafor (ben), never rehearsed "split": rehearse it together with `midair rehearse split --attendees ana,ben`',
    ]);
    const stale = buildPlaybook({ migration: demoMigration, checksum: CHECKSUM, plan, team: PLAYBOOK_TEAM, rehearsals: [{ ...demoRehearsal('0123456789abcdef'), ok: false, attendees: ['ben'] }], startRisk: null });
    expect(stale.warnings).toEqual([
      `the last rehearsal (2026-11-20 14:03 UTC) ran another definition of "split" (checksum 0123456789abcdef, now ${CHECKSUM}): rehearse it again`,
      'the last rehearsal (2026-11-20 14:03 UTC) was not OK: read its report before running this',
    ]);
  });

  test('who joins the call: the secondary and whoever may call a rollback join the risky steps; an approver joins what they approve; the tertiary waits for a page', () => {
    const team: TeamConfig = { ...PLAYBOOK_TEAM, migrations: { split: { owners: { primary: 'ana', secondary: 'ben', tertiary: 'cleo' }, rollbackAuthority: { person: 'dana', deputy: 'cleo' } } } };
    const playbook = buildPlaybook({ migration: demoMigration, checksum: CHECKSUM, plan, team, rehearsals: [], startRisk: null });
    const joins = Object.fromEntries(playbook.people!.attendance.map((a) => [a.person, { roles: a.roles, joins: a.joins }]));
    expect(joins).toEqual({
      ben: { roles: ['secondary'], joins: [5, 6, 7, 9] },
      cleo: { roles: ['tertiary', 'rollback deputy'], joins: [5, 6, 7, 9] },
      dana: { roles: ['rollback authority'], joins: [5, 6, 7, 9] },
    });
    const tertiaryOnly = buildPlaybook({ migration: demoMigration, checksum: CHECKSUM, plan, team: { ...team, migrations: { split: { owners: { primary: 'ana', secondary: 'ben', tertiary: 'cleo' } } } }, rehearsals: [], startRisk: null });
    expect(tertiaryOnly.people!.attendance.find((a) => a.person === 'cleo')!.words).toBe('no need to join the call: stay reachable and wait for a page at every step (you are paged when the secondary does not answer).');
    expect(tertiaryOnly.steps.find((s) => s.title === 'complete')!.approvals).toEqual({ rule: '1 approval from anyone in the team, not counting the person who runs it', command: 'midair approve split complete' });
  });

  test('without a team, nobody is named and every step is still there, with no approvals, schedule guard or paging', () => {
    const playbook = buildPlaybook({ migration: demoMigration, checksum: CHECKSUM, plan, team: null, rehearsals: [], startRisk: null });
    expect(playbook.people).toBeNull();
    expect(playbook.steps.map((s) => s.command)).toEqual(golden.steps.map((s) => s.command));
    expect(playbook.steps.filter((s) => s.approvals || s.schedule)).toEqual([]);
    expect(playbook.warnings).toHaveLength(1);
    const markdown = renderPlaybook(playbook, 'md');
    expect(markdown).toContain('No team is configured (docs/people.md), so nobody is named');
    for (const people of ['midair approve', 'midair schedule', '--override', 'Schedule guard', 'Approvals', 'midair ack', 'midair pager', 'Pages and escalation']) expect(markdown).not.toContain(people);
  });

  test("the risky steps are the schedule guard's: start above team.risk.startRows, live, ramp steps above team.risk.rampAbove, complete", () => {
    const team: TeamConfig = {
      ...PLAYBOOK_TEAM,
      risk: { rampAbove: 50 },
      migrations: { split: { owners: { primary: 'ana', secondary: 'ben' }, rollbackAuthority: { person: 'dana', deputy: 'ben' } } },
    };
    const playbook = buildPlaybook({ migration: demoMigration, checksum: CHECKSUM, plan, team, rehearsals: [], startRisk: 'start (table "users" has about 2,000,000 rows, above team.risk.startRows 1,000,000)' });
    const guarded = playbook.steps.filter((s) => s.schedule).map((s) => s.title);
    expect(guarded).toEqual(['start', 'advance to live at 10%', 'ramp to 100%', 'complete']);
    expect(playbook.steps[0]!.schedule).toEqual({ window: 'midair schedule split', authority: 'Dana Ruiz (dana)', override: 'midair start split --override --reason "<why>"' });
    // Those who may call a rollback join exactly the risky steps.
    expect(playbook.people!.attendance.find((a) => a.person === 'ben')!.joins).toEqual([1, 5, 7, 9]);
    // A team without paging: nobody is paged, and the playbook says so.
    const markdown = renderPlaybook(playbook, 'md');
    expect(markdown).toContain('No paging is configured (team.paging in midair.config.ts): Midair pages nobody');
    expect(markdown).not.toContain('midair ack');
    // Without a tertiary the escalation stops at the secondary.
    const paged = renderPlaybook(buildPlaybook({ migration: demoMigration, checksum: CHECKSUM, plan, team: { ...team, paging: { channels: [{ name: 'hook', kind: 'webhook', url: 'https://ops.example.com/midair' }] } }, rehearsals: [], startRisk: null }), 'md');
    expect(paged).toContain('- Every notification goes at once through hook (webhook).\n- A guard that fires, a step that fails or a step waiting for approvals pages Ana Lima (ana) at once; if nobody runs `midair ack split` within 15 minutes, Ben Okafor (ben) is paged.\n');
  });

  test('midair.playbook judges start as the schedule guard does: on a table above team.risk.startRows', async () => {
    const small = await createMidair({ database: db.url, team: { ...PLAYBOOK_TEAM, risk: { startRows: 10 } } });
    try {
      const playbook = await small.playbook(demoMigration);
      expect(playbook.steps[0]!.schedule?.override).toBe('midair start split --override --reason "<why>"');
    } finally {
      await small.close();
    }
    expect(golden.steps[0]!.schedule).toBeNull();
  });
});
