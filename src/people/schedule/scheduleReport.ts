import type { Queryable } from '../../db/executor.js';
import type { Migration } from '../../migration/types.js';
import { peopleOf } from '../migrationPeople.js';
import type { TeamConfig } from '../team.js';
import { describeLocal } from './localTime.js';
import { neededPeople } from './neededPeople.js';
import { meanCallsPerHour, trafficByHour } from './trafficByHour.js';
import { allowedWindows, holdsAt } from './verdict.js';

export interface ScheduleWindow {
  /** ISO, UTC. */
  start: string;
  end: string;
  minutes: number;
  /** The window in each needed person's time zone, by person id: "2026-12-07 15:00 Europe/Berlin". */
  local: Record<string, { start: string; end: string }>;
  /** Mean measured calls per hour over the window; null when no traffic was measured. */
  callsPerHour: number | null;
}

/** What `midair schedule` prints. */
export interface ScheduleReport {
  migration: string;
  /** Who must be at work: primary, secondary, rollback authority. */
  needed: string[];
  from: string;
  days: number;
  /** Whether a risky step may run now, and if not, why. */
  allowedNow: boolean;
  holdsNow: string[];
  /** "quietest first": by measured traffic per hour of the day; "chronological": no traffic was measured. */
  order: 'quietest first' | 'chronological';
  windows: ScheduleWindow[];
}

/** The next windows of `days` days from `now` in which everyone a migration needs is at work and nothing freezes, quietest first when traffic was measured. */
export async function scheduleReport(db: Queryable, team: TeamConfig, migration: Migration, now: Date, days: number): Promise<ScheduleReport> {
  const needed = neededPeople(peopleOf(team, migration));
  const holds = holdsAt(team, needed, now);
  const perHour = await trafficByHour(db);
  const windows = allowedWindows(team, needed, now, new Date(now.getTime() + days * 86_400_000)).map(({ start, end }): ScheduleWindow => ({
    start: start.toISOString(),
    end: end.toISOString(),
    minutes: Math.round((end.getTime() - start.getTime()) / 60_000),
    local: Object.fromEntries(needed.map((id) => [id, { start: describeLocal(start, team.people[id]!.timezone), end: describeLocal(end, team.people[id]!.timezone) }])),
    callsPerHour: perHour ? Math.round(meanCallsPerHour(perHour, start, end) * 10) / 10 : null,
  }));
  if (perHour) windows.sort((a, b) => a.callsPerHour! - b.callsPerHour! || a.start.localeCompare(b.start));
  return { migration: migration.name, needed, from: now.toISOString(), days, allowedNow: !holds.length, holdsNow: holds.map((h) => h.reason), order: perHour ? 'quietest first' : 'chronological', windows };
}
