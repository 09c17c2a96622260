import type { TeamConfig } from '../team.js';
import { availability } from './availability.js';
import { freezesAt, nextFreezeStart } from './freeze.js';

/** Something that keeps a risky step from running now: why, and when it stops (null: not within a year). */
export interface Hold {
  reason: string;
  until: Date | null;
}

/** The schedule's answer for a set of people at an instant. */
export interface ScheduleVerdict {
  ok: boolean;
  /** Every freeze window and every unavailable person, each with when it stops. */
  holds: Hold[];
  /** The first instant at or after the one judged when nothing holds; null when ok, or none within the search horizon. */
  nextAllowed: Date | null;
}

/** How far ahead the next allowed time is looked for. */
export const SEARCH_DAYS = 60;
/** Each jump passes at least one boundary; this bounds a search that would not end. */
const MAX_JUMPS = 10_000;

/** Every hold at `at`: the freeze windows that hold, then each needed person who is not at work, with each reason. */
export function holdsAt(team: TeamConfig, needed: readonly string[], at: Date): Hold[] {
  const holds: Hold[] = freezesAt(team.freeze ?? [], at);
  for (const id of needed) {
    const a = availability(id, team.people[id]!, at);
    if (!a.available) holds.push(...a.reasons.map((reason) => ({ reason, until: a.until })));
  }
  return holds;
}

/**
 * The first instant at or after `from`, before `limit`, at which nothing holds. Jumps to the latest end of the
 * holds seen: until then at least that one still holds, so no allowed instant is skipped.
 */
export function nextAllowed(team: TeamConfig, needed: readonly string[], from: Date, limit: Date): Date | null {
  let at = from;
  for (let i = 0; i < MAX_JUMPS && at < limit; i++) {
    const holds = holdsAt(team, needed, at);
    if (!holds.length) return at;
    if (holds.some((h) => !h.until)) return null;
    at = new Date(Math.max(...holds.map((h) => h.until!.getTime())));
  }
  return null;
}

/** The schedule guard's answer for `needed` at `at`: ok, or every hold and the next allowed time. */
export function scheduleVerdict(team: TeamConfig, needed: readonly string[], at: Date): ScheduleVerdict {
  const holds = holdsAt(team, needed, at);
  if (!holds.length) return { ok: true, holds, nextAllowed: null };
  return { ok: false, holds, nextAllowed: nextAllowed(team, needed, at, new Date(at.getTime() + SEARCH_DAYS * 86_400_000)) };
}

/** When an allowed stretch that holds at `at` ends: the first end of someone's working hours or start of a freeze. */
function allowedUntil(team: TeamConfig, needed: readonly string[], at: Date): Date {
  let end = nextFreezeStart(team.freeze ?? [], at)?.getTime() ?? Infinity;
  for (const id of needed) {
    const a = availability(id, team.people[id]!, at);
    if (a.available) end = Math.min(end, a.until.getTime());
  }
  return new Date(end);
}

/** The stretches between `from` and `to` in which everyone needed is at work and nothing freezes, in time order. */
export function allowedWindows(team: TeamConfig, needed: readonly string[], from: Date, to: Date): { start: Date; end: Date }[] {
  const windows: { start: Date; end: Date }[] = [];
  let at = from;
  while (at < to) {
    const start = nextAllowed(team, needed, at, to);
    if (!start) break;
    const end = new Date(Math.min(allowedUntil(team, needed, start).getTime(), to.getTime()));
    windows.push({ start, end });
    at = end;
  }
  return windows;
}
