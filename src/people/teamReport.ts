import { availability, hoursOf, nextDayOff } from './schedule/availability.js';
import { localTime } from './schedule/localTime.js';
import type { Contact, TeamConfig } from './team.js';

export interface PersonReport {
  id: string;
  name: string;
  timezone: string;
  /** "YYYY-MM-DD HH:MM" in their zone. */
  localTime: string;
  region: string | null;
  roles: string[];
  contacts: Contact[];
  workingHours: { days: string[]; from: string; to: string };
  availableNow: boolean;
  /** Why not, when not available now. */
  why: string[];
  /** ISO: when their working hours end (available) or they are next at work (not); null when not within a year. */
  until: string | null;
  /** Their next day away or public holiday within a year, today included. */
  nextDayOff: { date: string; reasons: string[] } | null;
}

/** What `midair team` prints. */
export interface TeamReport {
  now: string;
  people: PersonReport[];
  tools: { name: string; primary: string; backup: string; description: string | null }[];
}

/** Each person of the team at `now`: where they are, whether they are at work and why not, their next day off; and the tools with their backups. */
export function teamReport(team: TeamConfig, now: Date): TeamReport {
  const people = Object.entries(team.people).map(([id, p]): PersonReport => {
    const local = localTime(now, p.timezone);
    const a = availability(id, p, now);
    return {
      id,
      name: p.name,
      timezone: p.timezone,
      localTime: `${local.date} ${local.clock}`,
      region: p.region ?? null,
      roles: p.roles ?? [],
      contacts: p.contacts,
      workingHours: hoursOf(p),
      availableNow: a.available,
      why: a.available ? [] : a.reasons,
      until: a.until?.toISOString() ?? null,
      nextDayOff: nextDayOff(id, p, local.date),
    };
  });
  const tools = Object.entries(team.tools ?? {}).map(([name, t]) => ({ name, primary: t.primary, backup: t.backup, description: t.description ?? null }));
  return { now: now.toISOString(), people, tools };
}
