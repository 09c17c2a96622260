import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MidairError, MidairRefusal } from '../src/errors.js';
import { createMidair, type Midair } from '../src/midair.js';
import { isoWeekName, weekStart } from '../src/slo/isoWeek.js';
import type { ServiceConfig } from '../src/slo/services.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';
import { peopleRoles, type PeopleRoles } from './support/people.js';
import { refusingUrl } from './support/receiver.js';

// The downtime log and the weekly report (docs/slo.md) at an injected clock: Wednesday 2026-03-11
// 12:00 UTC, in ISO week 2026-W11 (Monday 2026-03-09 00:00 to Monday 2026-03-16 00:00).
const NOW = new Date('2026-03-11T12:00:00Z');
const SERVICES: Record<string, ServiceConfig> = {
  api: { availability: 99 },
  search: { availability: 99, latency: { percent: 95, underMs: 300 } },
};

async function failure(promise: Promise<unknown>): Promise<MidairError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MidairError) return error;
    throw error;
  }
  throw new Error('expected a MidairError, but it succeeded');
}

describe('the downtime log and slo report (library, injected clock)', () => {
  let database: TestDatabase;
  let midair: Midair;
  let admin: pg.Client;

  /** Rows of midair.service_minutes, one per minute from `from` to `to` (exclusive). */
  async function minutes(service: string, from: string, to: string, counts: { total: number; good: number; fast: number }): Promise<void> {
    await admin.query(
      `INSERT INTO midair.service_minutes (service, minute, total, good, timed, fast)
       SELECT $1, m, $4, $5, $4, $6 FROM generate_series($2::timestamptz, $3::timestamptz - interval '1 minute', interval '1 minute') AS m`,
      [service, from, to, counts.total, counts.good, counts.fast],
    );
  }

  /** A recorded migration of `service` that ran from `started` to `ended` (null: still running). */
  async function migration(name: string, service: string | null, stage: string, started: string, ended: string | null): Promise<void> {
    const definition = { name, operations: [], ...(service && { service }) };
    await admin.query(
      `INSERT INTO midair.migrations (name, schema, version_schema, stage, definition, catalog, checksum, started_at, ended_at)
       VALUES ($1, $1, $1 || '_v', $2, $3, '{}', 'x', $4, $5)`,
      [name, stage, JSON.stringify(definition), started, ended],
    );
  }

  /** The injected clock: NOW, but for declaring the planned window ahead of time. */
  let clock = NOW;

  beforeAll(async () => {
    database = await freshDatabase('slo_downtime');
    midair = await createMidair({ database: database.url, services: SERVICES, now: () => clock });
    await midair.slo(); // installs the control schema
    admin = new pg.Client(database.url);
    await admin.connect();
    // api, Monday 10:00-11:00: 100 requests a minute; 10:10-10:20 all fail (10 breach minutes).
    await minutes('api', '2026-03-09T10:00:00Z', '2026-03-09T11:00:00Z', { total: 100, good: 100, fast: 100 });
    await admin.query(`UPDATE midair.service_minutes SET good = 0 WHERE service = 'api' AND minute >= '2026-03-09T10:10:00Z' AND minute < '2026-03-09T10:20:00Z'`);
    // api, the week before (Wednesday 2026-03-04 09:00-09:30): 90 of 100 succeed, under 99%: 30 breach minutes.
    await minutes('api', '2026-03-04T09:00:00Z', '2026-03-04T09:30:00Z', { total: 100, good: 90, fast: 100 });
    // search, Tuesday 08:00-08:10: all succeed, 90 of 100 fast, under 95%: 10 latency breach minutes.
    await minutes('search', '2026-03-10T08:00:00Z', '2026-03-10T08:10:00Z', { total: 100, good: 100, fast: 90 });
    await migration('split_name', 'api', 'complete', '2026-03-09T09:00:00Z', '2026-03-09T11:00:00Z');
    await migration('add_index', 'search', 'live', '2026-03-03T15:00:00Z', null);
    await migration('no_service', null, 'complete', '2026-03-09T09:00:00Z', '2026-03-09T09:30:00Z');
    // Planned on Monday morning, before the window.
    clock = new Date('2026-03-09T09:30:00Z');
    await midair.planDowntime({ service: 'api', from: '2026-03-09T10:00:00Z', to: '2026-03-09T10:15:00Z', reason: 'move to the new cluster' });
    clock = NOW;
    // An incident inside the planned window: minute 10:12 is unplanned although planned for.
    await midair.declareIncident({ service: 'api', from: '2026-03-09T10:12:00Z', to: '2026-03-09T10:13:00Z', reason: 'the move overran' });
    // An incident the SLI did not see (no requests tracked then): 13:00:30 to 13:03 holds the minutes starting 13:01 and 13:02.
    await midair.declareIncident({ service: 'api', from: '2026-03-09T13:00:30Z', to: '2026-03-09T13:03:00Z', reason: 'DNS outage' });
  });
  afterAll(async () => {
    await admin?.end();
    await midair?.close();
    await database?.drop();
  });

  it('breach minutes are planned inside a planned window, unplanned outside it or under an incident', async () => {
    const log = await midair.downtime({ service: 'api', from: '2026-03-09T00:00:00Z', to: '2026-03-10T00:00:00Z' });
    expect(log.windows.map((w) => [w.kind, w.from, w.to, w.reason])).toEqual([
      ['planned', '2026-03-09T10:00:00.000Z', '2026-03-09T10:15:00.000Z', 'move to the new cluster'],
      ['incident', '2026-03-09T10:12:00.000Z', '2026-03-09T10:13:00.000Z', 'the move overran'],
      ['incident', '2026-03-09T13:00:30.000Z', '2026-03-09T13:03:00.000Z', 'DNS outage'],
    ]);
    const [api] = log.services;
    // 10:10-10:14 inside the plan, less 10:12 (incident): 4 planned. 10:12, 10:15-10:19 and 13:01, 13:02: 8 unplanned.
    expect(api).toMatchObject({ service: 'api', plannedMinutes: 4, unplannedMinutes: 8, unknown: null });
    expect(api!.minutes.map((m) => [m.minute.slice(11, 16), m.why.join('+'), m.planned])).toEqual([
      ['10:10', 'availability', true], ['10:11', 'availability', true], ['10:12', 'availability+incident', false], ['10:13', 'availability', true], ['10:14', 'availability', true],
      ['10:15', 'availability', false], ['10:16', 'availability', false], ['10:17', 'availability', false], ['10:18', 'availability', false], ['10:19', 'availability', false],
      ['13:01', 'incident', false], ['13:02', 'incident', false],
    ]);
  });

  it('a latency objective makes slow minutes breach minutes; the default range is the 7 days to now', async () => {
    const log = await midair.downtime();
    expect(log).toMatchObject({ from: '2026-03-04T12:00:00.000Z', to: NOW.toISOString() });
    // The week-before breach (2026-03-04 09:00) is outside; search's 10 slow minutes are in.
    expect(log.services.map((s) => [s.service, s.plannedMinutes, s.unplannedMinutes])).toEqual([['api', 4, 8], ['search', 0, 10]]);
    expect(log.services[1]!.minutes[0]).toEqual({ minute: '2026-03-10T08:00:00.000Z', why: ['latency'], planned: false });
  });

  it('slo report: per ISO week availability, budget used, planned and unplanned minutes and the migrations', async () => {
    const report = await midair.sloReport({ weeks: 3 });
    expect(report).toMatchObject({ at: NOW.toISOString(), weeks: 3 });
    const api = report.services.find((s) => s.service === 'api')!;
    // The window's budget: 30 days x 1% = 43,200 x 0.01 = 432 minutes.
    expect(api).toMatchObject({ objective: 99, window: '30d', unknown: null });
    expect(api.windowBudgetMinutes).toBeCloseTo(432, 9);
    expect(api.weeks.map((w) => [w.week, w.from, w.to, w.partial])).toEqual([
      ['2026-W09', '2026-02-23T00:00:00.000Z', '2026-03-02T00:00:00.000Z', false],
      ['2026-W10', '2026-03-02T00:00:00.000Z', '2026-03-09T00:00:00.000Z', false],
      ['2026-W11', '2026-03-09T00:00:00.000Z', NOW.toISOString(), true],
    ]);
    const [w09, w10, w11] = api.weeks;
    // W09 had no requests: nothing measured, so no availability and no budget used, never a perfect week; nothing was declared in it.
    expect(w09).toMatchObject({ events: { good: 0, total: 0 }, availability: null, budgetUsedMinutes: null, budgetUsedPercent: null, plannedMinutes: 0, unplannedMinutes: 0, migrations: [] });
    // W10: 300 bad of 3,000 = 0.1; x 10,080 minutes = 1,008 minutes = 1,008 / 432 = 233.33% of the window's budget.
    expect(w10!.availability).toBeCloseTo(90, 9);
    expect(w10!.budgetUsedMinutes).toBeCloseTo(1008, 9);
    expect(w10!.budgetUsedPercent).toBeCloseTo(233.333, 3);
    expect(w10).toMatchObject({ plannedMinutes: 0, unplannedMinutes: 30 });
    // W11 so far (Monday 00:00 to Wednesday 12:00 = 3,600 minutes): 1,000 bad of 6,000 = 1/6; x 3,600 = 600 minutes = 138.89%.
    expect(w11!.availability).toBeCloseTo(83.333, 3);
    expect(w11!.budgetUsedMinutes).toBeCloseTo(600, 9);
    expect(w11!.budgetUsedPercent).toBeCloseTo(138.889, 3);
    expect(w11).toMatchObject({ plannedMinutes: 4, unplannedMinutes: 8 });
    expect(w11!.migrations).toEqual([{ name: 'split_name', stage: 'complete', startedAt: '2026-03-09T09:00:00.000Z', endedAt: '2026-03-09T11:00:00.000Z' }]);
    // search: the migration still running since W10 belongs to both weeks; no_service belongs to none.
    const search = report.services.find((s) => s.service === 'search')!;
    expect(search.weeks.map((w) => w.migrations.map((m) => m.name))).toEqual([[], ['add_index'], ['add_index']]);
    expect(search.weeks[2]).toMatchObject({ availability: 100, budgetUsedMinutes: 0, plannedMinutes: 0, unplannedMinutes: 10 });
  });

  it('slo report: a week whose SLI cannot be read is unknown (null), never 0 downtime, even with an incident declared', async () => {
    const url = await refusingUrl();
    const dark = await createMidair({ database: database.url, services: { dark: { availability: 99, sli: { prometheus: { url, good: 'sum(rate(ok[$window]))', total: 'sum(rate(all[$window]))', timeoutMs: 2000 } } } }, now: () => NOW });
    try {
      await dark.declareIncident({ service: 'dark', from: '2026-03-10T08:00:00Z', to: '2026-03-10T08:30:00Z', reason: 'Prometheus down too' });
      const [service] = (await dark.sloReport({ weeks: 2 })).services;
      expect(service!.unknown).toMatch(/^SLI unknown for service "dark": Prometheus at http:\/\/127\.0\.0\.1:\d+\/ is unreachable/);
      for (const week of service!.weeks) {
        expect(week).toMatchObject({ events: null, availability: null, budgetUsedMinutes: null, budgetUsedPercent: null, plannedMinutes: null, unplannedMinutes: null });
      }
    } finally {
      await dark.close();
    }
  });

  it('bad input: unknown service, times that do not parse, from not before to, no reason, weeks out of range', async () => {
    const good = { service: 'api', from: '2026-03-12T10:00:00Z', to: '2026-03-12T11:00:00Z', reason: 'upgrade' };
    expect((await failure(midair.planDowntime({ ...good, service: 'billing' }))).message).toBe('no service "billing" in the config (declared: api, search)');
    expect((await failure(midair.planDowntime({ ...good, from: 'tomorrow' }))).message).toBe('--from "tomorrow" is not a time');
    expect((await failure(midair.declareIncident({ ...good, to: '2026-13-45T99:00:00Z' }))).message).toBe('--to "2026-13-45T99:00:00Z" is not a real date and time');
    expect((await failure(midair.downtime({ from: 'yesterday' }))).message).toBe('--from "yesterday" is not a time');
    expect((await failure(midair.planDowntime({ ...good, to: good.from }))).message).toBe('from 2026-03-12T10:00:00.000Z is not before to 2026-03-12T10:00:00.000Z');
    expect((await failure(midair.planDowntime({ ...good, reason: '  ' }))).message).toBe('a declared downtime needs a reason');
    expect((await failure(midair.sloReport({ weeks: 0 }))).message).toBe('--weeks must be a whole number of weeks from 1 to 520, not "0"');
    // Nothing was recorded by the refused calls.
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM midair.downtime WHERE starts_at >= '2026-03-12'`);
    expect(rows[0].n).toBe(0);
  });
});

describe('a planned window cannot hide downtime that already happened (library, injected clock)', () => {
  let database: TestDatabase;
  let midair: Midair;
  let clock: Date;
  beforeAll(async () => {
    database = await freshDatabase('slo_planned');
    midair = await createMidair({ database: database.url, services: SERVICES, now: () => clock });
    clock = new Date('2026-03-09T09:00:00Z');
    await midair.slo(); // installs the control schema
    const admin = new pg.Client(database.url);
    await admin.connect();
    try {
      // api, Monday 10:00-11:00: 100 requests a minute; 10:10-10:20 all fail.
      await admin.query(
        `INSERT INTO midair.service_minutes (service, minute, total, good, fast)
         SELECT 'api', m, 100, CASE WHEN m >= '2026-03-09T10:10:00Z' AND m < '2026-03-09T10:20:00Z' THEN 0 ELSE 100 END, 100
           FROM generate_series('2026-03-09T10:00:00Z'::timestamptz, '2026-03-09T10:59:00Z', interval '1 minute') AS m`,
      );
    } finally {
      await admin.end();
    }
  });
  afterAll(async () => {
    await midair?.close();
    await database?.drop();
  });

  it('counts as planned only from the moment it was declared: the minutes before stay unplanned', async () => {
    // Declared at 10:13:30, mid-outage, backdated to 10:00.
    clock = new Date('2026-03-09T10:13:30Z');
    const declared = await midair.planDowntime({ service: 'api', from: '2026-03-09T10:00:00Z', to: '2026-03-09T10:30:00Z', reason: 'cover the outage' });
    expect(declared).toMatchObject({ from: '2026-03-09T10:00:00.000Z', declaredAt: '2026-03-09T10:13:30.000Z' });
    clock = new Date('2026-03-09T12:00:00Z');
    const [api] = (await midair.downtime({ service: 'api', from: '2026-03-09T09:00:00Z', to: '2026-03-09T12:00:00Z' })).services;
    // 10:10 to 10:13 started before 10:13:30: unplanned; 10:14 to 10:19: planned.
    expect(api).toMatchObject({ plannedMinutes: 6, unplannedMinutes: 4 });
    expect(api!.minutes.filter((m) => !m.planned).map((m) => m.minute.slice(11, 16))).toEqual(['10:10', '10:11', '10:12', '10:13']);
    // The weekly report counts the same way.
    const week = (await midair.sloReport({ service: 'api', weeks: 1 })).services[0]!.weeks[0]!;
    expect(week).toMatchObject({ plannedMinutes: 6, unplannedMinutes: 4 });
  });

  it('refuses a plan that ends now or before, pointing at downtime incident', async () => {
    clock = new Date('2026-03-09T12:00:00Z');
    // Of search, so that the incident below leaves api's minutes of the test above alone.
    const past = { service: 'search', from: '2026-03-09T10:00:00Z', to: '2026-03-09T11:00:00Z', reason: 'the outage' };
    const refusal = await failure(midair.planDowntime(past));
    expect(refusal.message).toBe('downtime plan --to 2026-03-09T11:00:00.000Z is already past (now 2026-03-09T12:00:00.000Z): a plan is declared ahead, it cannot make downtime that happened planned');
    expect(refusal.hint).toBe('record downtime that already happened as an incident: midair downtime incident --service search --from 2026-03-09T10:00:00.000Z --to 2026-03-09T11:00:00.000Z --reason "<what happened>"');
    expect((await failure(midair.planDowntime({ ...past, to: '2026-03-09T12:00:00Z' }))).message).toMatch(/^downtime plan --to 2026-03-09T12:00:00.000Z is already past/);
    // An incident over the same past window is what the log is for.
    expect(await midair.declareIncident(past)).toMatchObject({ kind: 'incident', from: '2026-03-09T10:00:00.000Z' });
  });
});

describe('times of declared downtime are strict (library)', () => {
  let database: TestDatabase;
  let midair: Midair;
  beforeAll(async () => {
    database = await freshDatabase('slo_times');
    midair = await createMidair({ database: database.url, services: SERVICES, now: () => NOW });
  });
  afterAll(async () => {
    await midair?.close();
    await database?.drop();
  });

  const good = { service: 'api', from: '2026-03-12T10:00:00Z', to: '2026-03-12T11:00:00Z', reason: 'upgrade' };

  it('refuse a time without its zone, naming the flag, with an example', async () => {
    const noZone = await failure(midair.planDowntime({ ...good, from: '2026-03-12T10:00:00' }));
    expect(noZone.message).toBe('--from "2026-03-12T10:00:00" has no time zone: it would be read in the local time of whatever machine runs midair');
    expect(noZone.hint).toBe('add Z for UTC or the offset, e.g. --from 2026-03-10T14:00:00Z or --from 2026-03-10T15:00:00+01:00');
    expect((await failure(midair.declareIncident({ ...good, to: '2026-03-12 11:00' }))).message).toBe('--to "2026-03-12 11:00" has no time zone: it would be read in the local time of whatever machine runs midair');
    expect((await failure(midair.planDowntime({ ...good, from: '2026-03-12' }))).message).toBe('--from "2026-03-12" is not a time');
    expect((await failure(midair.planDowntime({ ...good, from: 'March 12, 2026 10:00 UTC' }))).message).toBe('--from "March 12, 2026 10:00 UTC" is not a time');
  });

  it('refuse dates and times that do not exist rather than rolling them over', async () => {
    const february = await failure(midair.planDowntime({ ...good, from: '2026-02-30T10:00:00Z', to: '2026-03-12T11:00:00Z' }));
    expect(february.message).toBe('--from "2026-02-30T10:00:00Z" is not a real date and time');
    expect(february.hint).toBe('write an ISO 8601 time with its zone, e.g. --from 2026-03-10T14:00:00Z or --from 2026-03-10T15:00:00+01:00');
    for (const to of ['2026-03-12T24:00:00Z', '2026-03-12T11:60:00Z', '2026-03-12T11:00:60Z', '2026-03-12T11:00:00+24:00', '2025-02-29T11:00:00Z']) {
      expect((await failure(midair.declareIncident({ ...good, from: '2025-01-01T00:00:00Z', to }))).message).toBe(`--to "${to}" is not a real date and time`);
    }
  });

  it('accept Z, an offset, minutes only and fractions of a second, and a leap day', async () => {
    const declared = await midair.planDowntime({ ...good, from: '2026-03-12T11:30:00+01:00', to: '2026-03-12T11:00Z' });
    expect([declared.from, declared.to]).toEqual(['2026-03-12T10:30:00.000Z', '2026-03-12T11:00:00.000Z']);
    const incident = await midair.declareIncident({ ...good, from: '2028-02-29T10:00:00.250-05:30', to: '2028-02-29T16:00:00Z' });
    expect(incident.from).toBe('2028-02-29T15:30:00.250Z');
  });
});

describe('ISO weeks', () => {
  it('start on Monday 00:00 UTC and belong to the year of their Thursday', () => {
    // Friday 2027-01-01 is in the week of Monday 2026-12-28, whose Thursday is 2026-12-31: 2026 has 53 weeks (it began on a Thursday).
    expect(weekStart(new Date('2027-01-01T23:59:00Z')).toISOString()).toBe('2026-12-28T00:00:00.000Z');
    expect(isoWeekName(new Date('2026-12-28T00:00:00Z'))).toBe('2026-W53');
    // Monday 2024-12-30's Thursday is 2025-01-02: week 1 of 2025. A Monday is its own week's start.
    expect(isoWeekName(new Date('2024-12-30T00:00:00Z'))).toBe('2025-W01');
    expect(weekStart(new Date('2026-03-09T00:00:00Z')).toISOString()).toBe('2026-03-09T00:00:00.000Z');
    // Sunday night belongs to the week that began six days before.
    expect(weekStart(new Date('2026-03-15T23:59:59Z')).toISOString()).toBe('2026-03-09T00:00:00.000Z');
  });
});

describe('declaring downtime with a team', () => {
  let database: TestDatabase;
  let people: PeopleRoles;

  beforeAll(async () => {
    database = await freshDatabase('slo_downtime_team');
    people = await peopleRoles(['alice']);
  });
  afterAll(async () => {
    await database?.drop();
    await people?.drop();
  });

  it('only a verified person may declare; the person is recorded and audited', async () => {
    const team = { people: { alice: { name: 'Alice', timezone: 'Europe/Berlin', contacts: [{ email: 'alice@example.com' }], roles: [people.role.alice!] } } };
    const input = { service: 'api', from: '2026-03-12T10:00:00Z', to: '2026-03-12T11:00:00Z', reason: 'upgrade' };
    const unverified = await createMidair({ database: database.url, services: SERVICES, team, now: () => NOW });
    const alice = await createMidair({ database: people.urlOf('alice', database.name), services: SERVICES, team, now: () => NOW });
    try {
      const refused = await failure(unverified.planDowntime(input));
      expect(refused).toBeInstanceOf(MidairRefusal);
      expect(refused.message).toMatch(/is not a verified person of the team, so may not plan downtime$/);
      const declared = await alice.declareIncident(input);
      expect(declared).toMatchObject({ service: 'api', kind: 'incident', declaredBy: 'alice', person: 'alice', reason: 'upgrade', declaredAt: NOW.toISOString() });
      const audit = await alice.db.query<{ person: string; action: string; details: Record<string, unknown> }>(`SELECT person, action, details FROM midair.audit_log WHERE action = 'incident declared'`);
      expect(audit).toEqual([{ person: 'alice', action: 'incident declared', details: { id: declared.id, service: 'api', from: '2026-03-12T10:00:00.000Z', to: '2026-03-12T11:00:00.000Z', reason: 'upgrade' } }]);
      expect((await unverified.downtime({ service: 'api', from: '2026-03-12T00:00:00Z', to: '2026-03-13T00:00:00Z' })).windows).toHaveLength(1);
    } finally {
      await unverified.close();
      await alice.close();
    }
  });
});
