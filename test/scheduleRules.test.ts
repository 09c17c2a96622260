import { describe, expect, test } from 'vitest';
import { MidairRefusal } from '../src/errors.js';
import type { Migration } from '../src/migration/types.js';
import type { Actor } from '../src/people/actor.js';
import { availability } from '../src/people/schedule/availability.js';
import { freezesAt, nextFreezeStart } from '../src/people/schedule/freeze.js';
import { judgeSchedule } from '../src/people/schedule/guard.js';
import { zonedInstant } from '../src/people/schedule/localTime.js';
import { scheduleDays } from '../src/people/schedule/scheduleDays.js';
import { allowedWindows, nextAllowed, scheduleVerdict } from '../src/people/schedule/verdict.js';
import type { Person, TeamConfig } from '../src/people/team.js';

// Pure rules of the schedule guard, at fixed instants (no clock is read).
const at = (iso: string) => new Date(iso);
const person = (timezone: string, more: Partial<Person> = {}): Person => ({ name: timezone, timezone, contacts: [{ email: 'x@example.com' }], ...more });
const alice = person('Europe/Berlin', { name: 'Alice' });
const bob = person('America/New_York', { name: 'Bob' });
const team = (more: Partial<TeamConfig> = {}): TeamConfig => ({ people: { alice, bob }, ...more });

describe('zonedInstant: the instant a wall clock reading names', () => {
  test('a clock time read twice in autumn is its first reading, east of UTC and west of it', () => {
    // Berlin 2026-10-25: 02:30 CEST (00:30Z), then 02:30 CET (01:30Z).
    expect(zonedInstant('2026-10-25', '02:30', 'Europe/Berlin')).toEqual(at('2026-10-25T00:30:00Z'));
    // New York 2026-11-01: 01:30 EDT (05:30Z), then 01:30 EST (06:30Z).
    expect(zonedInstant('2026-11-01', '01:30', 'America/New_York')).toEqual(at('2026-11-01T05:30:00Z'));
  });

  test('a clock time skipped in spring lands just after the gap, east of UTC and west of it', () => {
    // Berlin 2026-03-29 jumps from 02:00 CET to 03:00 CEST: 02:30 is read as 03:30 CEST.
    expect(zonedInstant('2026-03-29', '02:30', 'Europe/Berlin')).toEqual(at('2026-03-29T01:30:00Z'));
    // New York 2026-03-08 jumps from 02:00 EST to 03:00 EDT: 02:30 is read as 03:30 EDT.
    expect(zonedInstant('2026-03-08', '02:30', 'America/New_York')).toEqual(at('2026-03-08T07:30:00Z'));
  });

  test('ordinary times on either side of a change keep their own offset', () => {
    expect(zonedInstant('2026-10-25', '01:59', 'Europe/Berlin')).toEqual(at('2026-10-24T23:59:00Z'));
    expect(zonedInstant('2026-10-25', '03:00', 'Europe/Berlin')).toEqual(at('2026-10-25T02:00:00Z'));
    expect(zonedInstant('2026-11-01', '02:00', 'America/New_York')).toEqual(at('2026-11-01T07:00:00Z'));
    expect(zonedInstant('2026-07-01', '09:00', 'Asia/Kolkata')).toEqual(at('2026-07-01T03:30:00Z'));
  });
});

test('schedule days: one rule for the library and the command line, 1 to 366, 14 when not given', () => {
  expect(scheduleDays(undefined)).toBe(14);
  expect(scheduleDays(7)).toBe(7);
  expect(scheduleDays('366')).toBe(366);
  for (const bad of [0, '0', 1.5, '1.5', 367, 'abc', '']) expect(() => scheduleDays(bad)).toThrow(`--days must be a whole number of days from 1 to 366, not "${bad}"`);
});

describe('freeze windows', () => {
  const weekend = { cron: '0 18 * * 5', timezone: 'Europe/Berlin', durationMinutes: 60 * 60, reason: 'weekend' };

  test('a cron window holds from its start in its own time zone for its duration, and says until when', () => {
    // Friday 18:00 in Berlin is 17:00 UTC in winter.
    expect(freezesAt([weekend], at('2026-12-04T16:59:00Z'))).toEqual([]);
    expect(freezesAt([weekend], at('2026-12-04T17:00:00Z'))).toEqual([{ reason: 'freeze "weekend" (cron "0 18 * * 5" in Europe/Berlin, 3600 min)', until: at('2026-12-07T05:00:00Z') }]);
    expect(freezesAt([weekend], at('2026-12-06T12:00:00Z'))[0]!.until).toEqual(at('2026-12-07T05:00:00Z'));
    expect(freezesAt([weekend], at('2026-12-07T05:00:00Z'))).toEqual([]);
    expect(nextFreezeStart([weekend], at('2026-12-07T05:00:00Z'))).toEqual(at('2026-12-11T17:00:00Z'));
  });

  test('across the daylight-saving change in Europe/Berlin (2026-03-29) the window keeps its local time', () => {
    const evening = { cron: '0 18 * * *', timezone: 'Europe/Berlin', durationMinutes: 120 };
    // 18:00 CET is 17:00 UTC on the 28th; 18:00 CEST is 16:00 UTC on the 29th.
    expect(freezesAt([evening], at('2026-03-28T16:30:00Z'))).toEqual([]);
    expect(freezesAt([evening], at('2026-03-28T17:30:00Z'))[0]!.until).toEqual(at('2026-03-28T19:00:00Z'));
    expect(freezesAt([evening], at('2026-03-29T16:30:00Z'))[0]!.until).toEqual(at('2026-03-29T18:00:00Z'));
    expect(freezesAt([evening], at('2026-03-29T18:30:00Z'))).toEqual([]);
  });

  test('across the daylight-saving change in America/New_York (2026-11-01) the window keeps its local time', () => {
    const morning = { cron: '0 9 * * *', timezone: 'America/New_York', durationMinutes: 60 };
    // 09:00 EDT is 13:00 UTC on the 31st; 09:00 EST is 14:00 UTC on the 1st.
    expect(freezesAt([morning], at('2026-10-31T13:30:00Z'))[0]!.until).toEqual(at('2026-10-31T14:00:00Z'));
    expect(freezesAt([morning], at('2026-11-01T13:30:00Z'))).toEqual([]);
    expect(freezesAt([morning], at('2026-11-01T14:30:00Z'))[0]!.until).toEqual(at('2026-11-01T15:00:00Z'));
  });

  test('windows longer than the time between their starts chain into one hold', () => {
    const twice = { cron: '0 10,11 * * *', timezone: 'UTC', durationMinutes: 90 };
    expect(freezesAt([twice], at('2026-12-02T10:15:00Z'))[0]!.until).toEqual(at('2026-12-02T12:30:00Z'));
    expect(freezesAt([twice], at('2026-12-02T12:15:00Z'))[0]!.until).toEqual(at('2026-12-02T12:30:00Z'));
    const hourly = { cron: '0 * * * *', timezone: 'UTC', durationMinutes: 90 };
    expect(nextAllowed(team({ freeze: [hourly] }), [], at('2026-12-02T10:15:00Z'), at('2026-12-03T00:00:00Z'))).toBeNull();
  });

  test('one-off ranges: a date alone ends at the end of that day (UTC); a date-time may name its offset', () => {
    const holidays = { from: '2026-12-24', to: '2026-12-26', reason: 'holidays' };
    expect(freezesAt([holidays], at('2026-12-23T23:59:00Z'))).toEqual([]);
    expect(freezesAt([holidays], at('2026-12-26T23:59:00Z'))).toEqual([{ reason: 'freeze "holidays" (2026-12-24 to 2026-12-26)', until: at('2026-12-27T00:00:00Z') }]);
    const launch = { from: '2026-12-10T18:00:00+01:00', to: '2026-12-10T20:00:00' };
    expect(freezesAt([launch], at('2026-12-10T16:59:00Z'))).toEqual([]);
    expect(freezesAt([launch], at('2026-12-10T17:00:00Z'))[0]!.until).toEqual(at('2026-12-10T20:00:00Z'));
    expect(nextFreezeStart([holidays, launch], at('2026-12-01T00:00:00Z'))).toEqual(at('2026-12-10T17:00:00Z'));
  });
});

describe('availability of a person', () => {
  test('when they are next at work is looked for within a year (366 days), as `midair team` says', () => {
    const away = (to: string) => availability('alice', { ...alice, away: [{ from: '2026-12-01', to }] }, at('2026-12-02T10:00:00Z'));
    // Back on Monday 2027-11-29, 362 days on: found. Back on Monday 2027-12-06, 369 days on: not within a year.
    expect(away('2027-11-28')).toMatchObject({ available: false, until: at('2027-11-29T08:00:00Z') });
    expect(away('2027-12-05')).toMatchObject({ available: false, until: null });
  });

  test('outside working hours in their own time zone, with the local time, until their next start', () => {
    expect(availability('bob', bob, at('2026-12-02T11:30:00Z'))).toEqual({
      available: false,
      reasons: ['bob is outside working hours in America/New_York (09:00-17:00, it is 06:30 there)'],
      until: at('2026-12-02T14:00:00Z'),
    });
    expect(availability('bob', bob, at('2026-12-02T14:00:00Z'))).toEqual({ available: true, until: at('2026-12-02T22:00:00Z') });
  });

  test('weekends and custom hours; the next start skips days off', () => {
    const sat = availability('alice', alice, at('2026-12-05T10:00:00Z'));
    expect(sat).toEqual({ available: false, reasons: ['alice is outside working hours in Europe/Berlin (mon,tue,wed,thu,fri 09:00-17:00, it is Saturday 11:00 there)'], until: at('2026-12-07T08:00:00Z') });
    const nightOwl = person('Asia/Tokyo', { workingHours: { days: ['sat'], from: '20:00', to: '23:30' } });
    expect(availability('kenji', nightOwl, at('2026-12-05T11:00:00Z'))).toEqual({ available: true, until: at('2026-12-05T14:30:00Z') });
  });

  test('working hours follow the daylight-saving changes of Europe/Berlin and America/New_York', () => {
    // Friday 27 March 09:00 CET is 08:00 UTC; Monday 30 March 09:00 CEST is 07:00 UTC.
    expect(availability('alice', alice, at('2026-03-27T17:00:00Z')).until).toEqual(at('2026-03-30T07:00:00Z'));
    expect(availability('alice', alice, at('2026-03-30T07:00:00Z')).available).toBe(true);
    expect(availability('alice', alice, at('2026-03-27T07:30:00Z')).available).toBe(false);
    // Friday 30 October 17:00 EDT is 21:00 UTC; Monday 2 November 09:00 EST is 14:00 UTC.
    expect(availability('bob', bob, at('2026-10-30T20:00:00Z'))).toEqual({ available: true, until: at('2026-10-30T21:00:00Z') });
    expect(availability('bob', bob, at('2026-10-30T21:00:00Z')).until).toEqual(at('2026-11-02T14:00:00Z'));
    expect(availability('bob', bob, at('2026-11-02T13:30:00Z')).available).toBe(false);
  });

  test('away dates are whole days in the person\'s time zone, inclusive', () => {
    const carol = person('America/Los_Angeles', { away: [{ from: '2026-12-21', to: '2026-12-28' }] });
    // 23:30 on the 28th in Los Angeles is the 29th in UTC: still away.
    const late = availability('carol', carol, at('2026-12-29T07:30:00Z'));
    expect(late).toEqual({ available: false, reasons: ['carol is away until 2026-12-28', 'carol is outside working hours in America/Los_Angeles (09:00-17:00, it is 23:30 there)'], until: at('2026-12-29T17:00:00Z') });
    const withReason = person('Europe/Berlin', { away: [{ from: '2026-12-02', to: '2026-12-02', reason: 'dentist' }] });
    expect(availability('dan', withReason, at('2026-12-02T10:00:00Z'))).toMatchObject({ reasons: ['dan is away until 2026-12-02 (dentist)'], until: at('2026-12-03T08:00:00Z') });
  });

  test('public holidays of the person\'s region, by their local date', () => {
    const dave = person('Europe/Berlin', { region: 'DE' });
    // Friday 25 December and Saturday 26th: the next working day is Monday 28th.
    expect(availability('dave', dave, at('2026-12-25T10:00:00Z'))).toEqual({ available: false, reasons: ['public holiday in DE: 1. Weihnachtstag (for dave)'], until: at('2026-12-28T08:00:00Z') });
    const erin = person('America/Los_Angeles', { region: 'US-CA' });
    expect(availability('erin', erin, at('2026-11-26T18:00:00Z'))).toMatchObject({ available: false, reasons: ['public holiday in US-CA: Thanksgiving Day (for erin)'] });
    // César Chávez Day is a state holiday in California only.
    expect(availability('erin', erin, at('2026-03-31T18:00:00Z')).available).toBe(false);
    expect(availability('bob', { ...bob, region: 'US' }, at('2026-03-31T18:00:00Z')).available).toBe(true);
  });
});

describe('the schedule verdict for the people a step needs', () => {
  test('every hold, and the next allowed time found by jumping between boundaries', () => {
    const freeze = [{ cron: '0 15 * * 3', timezone: 'Europe/Berlin', durationMinutes: 30, reason: 'weekly deploy' }];
    // Wednesday 2 December 10:00 UTC: alice (11:00) works, bob (05:00) does not; at 14:00 UTC bob starts, but the deploy freeze holds until 14:30.
    const verdict = scheduleVerdict(team({ freeze }), ['alice', 'bob'], at('2026-12-02T10:00:00Z'));
    expect(verdict).toEqual({ ok: false, holds: [{ reason: 'bob is outside working hours in America/New_York (09:00-17:00, it is 05:00 there)', until: at('2026-12-02T14:00:00Z') }], nextAllowed: at('2026-12-02T14:30:00Z') });
    expect(scheduleVerdict(team({ freeze }), ['alice', 'bob'], at('2026-12-02T15:00:00Z'))).toEqual({ ok: true, holds: [], nextAllowed: null });
  });

  test('no allowed time within the horizon: none', () => {
    const away = team({ people: { alice, bob: { ...bob, away: [{ from: '2026-12-01', to: '2027-06-01' }] } } });
    expect(scheduleVerdict(away, ['alice', 'bob'], at('2026-12-02T15:00:00Z')).nextAllowed).toBeNull();
  });

  test('the windows in which everyone needed is at work and nothing freezes', () => {
    const freeze = [{ from: '2026-12-09T14:30:00Z', to: '2026-12-09T15:00:00Z' }];
    const windows = allowedWindows(team({ freeze }), ['alice', 'bob'], at('2026-12-07T00:00:00Z'), at('2026-12-12T00:00:00Z'));
    expect(windows.map((w) => [w.start.toISOString(), w.end.toISOString()])).toEqual([
      ['2026-12-07T14:00:00.000Z', '2026-12-07T16:00:00.000Z'],
      ['2026-12-08T14:00:00.000Z', '2026-12-08T16:00:00.000Z'],
      ['2026-12-09T14:00:00.000Z', '2026-12-09T14:30:00.000Z'],
      ['2026-12-09T15:00:00.000Z', '2026-12-09T16:00:00.000Z'],
      ['2026-12-10T14:00:00.000Z', '2026-12-10T16:00:00.000Z'],
      ['2026-12-11T14:00:00.000Z', '2026-12-11T16:00:00.000Z'],
    ]);
  });
});

describe('judgeSchedule: the guard and its override', () => {
  const migration = { name: 'm1', operations: [], owners: { primary: 'alice', secondary: 'bob' } } as unknown as Migration;
  const asAlice: Actor = { person: 'alice', via: 'role', label: 'alice' };
  const asBob: Actor = { person: 'bob', via: 'role', label: 'bob' };
  const night = at('2026-12-02T20:00:00Z');

  test('refuses with every reason and the next allowed time, in UTC and in the primary\'s zone', () => {
    let refusal: unknown;
    try {
      judgeSchedule({ actor: asBob, team: team(), now: night }, migration, 'complete');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(MidairRefusal);
    expect((refusal as MidairRefusal).reason).toBe('schedule');
    expect((refusal as MidairRefusal).message).toBe('the schedule guard refuses complete of migration "m1" now (2026-12-02T20:00:00.000Z): alice is outside working hours in Europe/Berlin (09:00-17:00, it is 21:00 there); next allowed: 2026-12-03T14:00:00.000Z (2026-12-03 15:00 Europe/Berlin)');
    expect((refusal as MidairRefusal).hint).toContain('the rollback authority, alice, may run it now with --override --reason');
  });

  test('allowed: nothing to record; no team: no guard', () => {
    expect(judgeSchedule({ actor: asBob, team: team(), now: at('2026-12-02T15:00:00Z') }, migration, 'complete')).toBeNull();
    expect(judgeSchedule({ actor: asBob, team: null, now: night }, migration, 'complete')).toBeNull();
  });

  test('the override: the rollback authority, verified, only; what it let go is returned for the audit log', () => {
    expect(judgeSchedule({ actor: asAlice, team: team(), now: night, override: { reason: 'incident fix' } }, migration, 'complete')).toEqual({
      reason: 'incident fix',
      overridden: ['alice is outside working hours in Europe/Berlin (09:00-17:00, it is 21:00 there)'],
    });
    expect(() => judgeSchedule({ actor: asBob, team: team(), now: night, override: { reason: 'x' } }, migration, 'complete')).toThrow('only the rollback authority of migration "m1", alice (Alice), may override the schedule guard; bob may not');
    const unverified: Actor = { person: null, via: null, label: 'unverified root@host' };
    expect(() => judgeSchedule({ actor: unverified, team: team(), now: night, override: { reason: 'x' } }, migration, 'complete')).toThrow('unverified root@host (not a verified person) may not');
  });
});
