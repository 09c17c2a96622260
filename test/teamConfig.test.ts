import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { defineMigration, op, type TeamConfig } from '../src/index.js';
import { peopleOf } from '../src/people/migrationPeople.js';
import { teamReport } from '../src/people/teamReport.js';

const alice = { name: 'Alice', timezone: 'Europe/Berlin', contacts: [{ email: 'alice@example.com' }], region: 'DE' };
const bob = { name: 'Bob', timezone: 'America/New_York', contacts: [{ phone: '+1 555 0100' }, { chat: '@bob' }] };
const carol = { name: 'Carol', timezone: 'Asia/Tokyo', contacts: [{ pager: 'carol-pd' }] };
const TEAM: TeamConfig = { people: { alice, bob, carol } };

/** The message validateConfig throws for a config with this team. */
function problemOf(team: unknown): string {
  try {
    validateConfig({ team }, 'midair.config.ts');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
}

const migration = (people: object) => defineMigration({ name: 'split_name', ...people, operations: [op.addColumn({ table: 'users', column: { name: 'nick', type: 'text' } })] });

describe('the team config', () => {
  it('a full team passes and keeps every field', () => {
    const team: TeamConfig = {
      people: { alice: { ...alice, workingHours: { days: ['mon', 'tue'], from: '08:30', to: '16:00' }, away: [{ from: '2026-12-24', to: '2027-01-02' }], roles: ['alice'] }, bob, carol },
      tools: { warRoom: { primary: 'https://meet.example.com/db', backup: 'tel:+1-555-0199' } },
      migrations: { split_name: { owners: { primary: 'alice', secondary: 'bob', tertiary: 'carol' }, rollbackAuthority: 'bob', service: 'accounts' } },
      freeze: [{ cron: '0 16 * * fri', timezone: 'Europe/Berlin', durationMinutes: 3840, reason: 'weekend' }, { from: '2026-12-20', to: '2027-01-03' }],
      risk: { startRows: 500_000, rampAbove: 25 },
      paging: { channels: [{ name: 'hook', kind: 'webhook', url: 'https://hooks.example.com/x', backup: 'pd' }, { name: 'pd', kind: 'pagerduty', url: 'https://events.pagerduty.com/v2/enqueue', routingKey: 'abc' }], escalateAfterMinutes: 10 },
    };
    expect(validateConfig({ team }, 'midair.config.ts').team).toEqual(team);
  });

  it('each mistake is named by its field, with what to do', () => {
    expect(problemOf({ people: { alice: { ...alice, timezone: 'Berlin' } } })).toMatch(/field "team\.people\.alice\.timezone": "Berlin" is not a time zone: use an IANA name/);
    expect(problemOf({ people: { alice: { ...alice, region: 'XX' } } })).toMatch(/field "team\.people\.alice\.region": "XX" is not a region with known public holidays/);
    expect(problemOf({ people: { alice: { ...alice, contacts: [] } } })).toMatch(/field "team\.people\.alice\.contacts": give at least one way to reach the person/);
    expect(problemOf({ people: { alice: { ...alice, workingHours: { from: '18:00', to: '09:00' } } } })).toMatch(/field "team\.people\.alice\.workingHours\.to": "to" must be after "from"/);
    expect(problemOf({ people: { Alice: alice } })).toMatch(/a person id is lower-case/);
    expect(problemOf({ people: { alice }, migrations: { m: { owners: { primary: 'alice', secondary: 'dave' } } } })).toMatch(/field "team\.migrations\.m\.owners\.secondary": "dave" is not a person of the team \(team\.people has "alice"\)/);
    expect(problemOf({ people: { alice, bob }, migrations: { m: { owners: { primary: 'alice', secondary: 'bob', tertiary: 'alice' } } } })).toMatch(/field "team\.migrations\.m\.owners": "alice" is listed twice/);
    expect(problemOf({ people: { alice }, freeze: [{ cron: '61 * * * *', timezone: 'UTC', durationMinutes: 5 }] })).toMatch(/field "team\.freeze\.0\.cron": "61 \* \* \* \*" is not a cron expression/);
    expect(problemOf({ people: { alice }, freeze: [{ cron: '0 * * * *', timezone: 'Mars/Olympus', durationMinutes: 5 }] })).toMatch(/field "team\.freeze\.0\.timezone": "Mars\/Olympus" is not a time zone/);
    expect(problemOf({ people: { alice, bob: { ...bob, roles: ['ops'] }, carol: { ...carol, roles: ['ops'] } } })).toMatch(/field "team\.people\.carol\.roles": role "ops" is also "bob"'s/);
    expect(problemOf({ people: { alice }, paging: { channels: [{ name: 'hook', kind: 'webhook', url: 'https://x.example.com', backup: 'sms' }] } })).toMatch(/field "team\.paging\.channels\.0\.backup": there is no channel "sms"/);
    expect(problemOf({ people: { alice }, paging: { channels: [{ name: 'pd', kind: 'pagerduty', url: 'https://x.example.com' }] } })).toMatch(/field "team\.paging\.channels\.0\.routingKey": a pagerduty channel needs/);
    const withPassword = problemOf({ people: { alice }, paging: { channels: [{ name: 'hook', kind: 'webhook', url: 'https://ops:s3cret@hooks.example.com/x' }] } });
    expect(withPassword).toMatch(/field "team\.paging\.channels\.0\.url": the URL carries a user name or password/);
    expect(withPassword).not.toMatch(/s3cret/);
    // An undo must always stay possible: a rollback takes no approvals.
    expect(problemOf({ people: { alice, bob }, migrations: { m: { owners: { primary: 'alice', secondary: 'bob' }, approvals: { rollback: { count: 1 } } } } })).toMatch(/team\.migrations\.m\.approvals/);
  });

  it('a migration under a team needs a primary and a secondary who are different people of the team', () => {
    expect(() => peopleOf(TEAM, migration({}))).toThrow(/migration "split_name" has no owners: a team is configured/);
    expect(() => peopleOf(TEAM, migration({ owners: { primary: 'alice', secondary: 'alice' } }))).toThrow(/field "owners": "alice" is listed twice/);
    expect(() => peopleOf(TEAM, migration({ owners: { primary: 'alice', secondary: 'dave' } }))).toThrow(/field "owners\.secondary": "dave" is not a person of the team/);
    expect(() => peopleOf(TEAM, migration({ owners: { primary: 'alice', secondary: 'bob' }, rollbackAuthority: { person: 'carol', deputy: 'carol' } }))).toThrow(/field "rollbackAuthority\.deputy": "carol" is the rollback authority already/);
  });

  it('the rollback authority defaults to the primary with the secondary as deputy; complete needs one approval by default; the config wins over the file', () => {
    expect(peopleOf(TEAM, migration({ owners: { primary: 'alice', secondary: 'bob' } }))).toEqual({
      owners: { primary: 'alice', secondary: 'bob' }, rollbackAuthority: { person: 'alice', deputy: 'bob' }, service: null, approvals: { complete: { count: 1 } },
    });
    expect(peopleOf(TEAM, migration({ owners: { primary: 'alice', secondary: 'bob' }, rollbackAuthority: 'bob' })).rollbackAuthority).toEqual({ person: 'bob', deputy: 'alice' });
    const team: TeamConfig = { ...TEAM, migrations: { split_name: { owners: { primary: 'carol', secondary: 'alice' }, approvals: { live: { count: 2, from: ['alice', 'bob'] } } } } };
    expect(peopleOf(team, migration({ owners: { primary: 'alice', secondary: 'bob' }, service: 'accounts' }))).toMatchObject({
      owners: { primary: 'carol', secondary: 'alice' }, service: 'accounts', approvals: { complete: { count: 1 }, live: { count: 2, from: ['alice', 'bob'] } },
    });
  });

  it("docs/people.md's full example config is valid, with every part of the team", () => {
    const guide = readFileSync(new URL('../docs/people.md', import.meta.url), 'utf8');
    const example = /## A full example config[\s\S]*?```ts\n([\s\S]*?)```/.exec(guide)![1]!;
    // The example is plain JavaScript once its import and export are taken away.
    const body = example.replace(/^import .*$/m, '').replace('export default defineConfig(', 'return (');
    const config = validateConfig(new Function(body)(), 'docs/people.md');
    expect(Object.keys(config.team!).sort()).toEqual(['freeze', 'migrations', 'paging', 'people', 'risk', 'tools']);
    expect(peopleOf(config.team!, migration({})).rollbackAuthority).toEqual({ person: 'bob', deputy: 'alice' });
  });

  it('`midair team` at a fixed instant: who is at work now, why not, until when, and the next day off', () => {
    const team: TeamConfig = {
      people: { alice, bob: { ...bob, away: [{ from: '2026-12-28', to: '2026-12-31' }] } },
      tools: { warRoom: { primary: 'https://meet.example.com/db', backup: 'tel:+1-555-0199' } },
    };
    // Christmas Day, 16:00 in Berlin and 10:00 in New York.
    const report = teamReport(team, new Date('2026-12-25T15:00:00Z'));
    expect(report.people.map(({ id, localTime, availableNow, why, until, nextDayOff }) => ({ id, localTime, availableNow, why, until, nextDayOff }))).toEqual([
      {
        id: 'alice', localTime: '2026-12-25 16:00', availableNow: false,
        why: ['public holiday in DE: 1. Weihnachtstag (for alice)'],
        // The 26th is a holiday too, then the weekend: Monday 09:00 in Berlin.
        until: '2026-12-28T08:00:00.000Z',
        nextDayOff: { date: '2026-12-25', reasons: ['public holiday in DE: 1. Weihnachtstag (for alice)'] },
      },
      {
        // No region: Christmas is a working day for bob, until 17:00 in New York.
        id: 'bob', localTime: '2026-12-25 10:00', availableNow: true, why: [],
        until: '2026-12-25T22:00:00.000Z',
        nextDayOff: { date: '2026-12-28', reasons: ['bob is away until 2026-12-31'] },
      },
    ]);
    expect(report.tools).toEqual([{ name: 'warRoom', primary: 'https://meet.example.com/db', backup: 'tel:+1-555-0199', description: null }]);
  });
});
