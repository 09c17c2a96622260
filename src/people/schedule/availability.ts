import type { Person, Weekday } from '../team.js';
import { holidayOn } from './holidays.js';
import { addDays, localTime, weekdayOf, zonedInstant } from './localTime.js';

/** Whether a person can be at work at an instant; when not, every reason and when they next can. */
export type Availability =
  | { available: true; /** When their working hours of the day end. */ until: Date }
  | { available: false; reasons: string[]; /** When they are next at work; null when not within a year. */ until: Date | null };

const DEFAULT_HOURS = { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as Weekday[], from: '09:00', to: '17:00' };

const WEEKDAYS: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
/** How far ahead a person's days are looked at (when they are next at work, their next day off): a year, leap day included. */
const PERSON_LOOKAHEAD_DAYS = 366;

export function hoursOf(person: Person): { days: Weekday[]; from: string; to: string } {
  return { days: person.workingHours?.days ?? DEFAULT_HOURS.days, from: person.workingHours?.from ?? DEFAULT_HOURS.from, to: person.workingHours?.to ?? DEFAULT_HOURS.to };
}

/** Whether a weekday (0 Sunday to 6 Saturday) is one of the working days of `hours`. */
function worksOn(hours: { days: Weekday[] }, weekday: number): boolean {
  return hours.days.includes(WEEKDAYS[weekday]!);
}

/** Why the person is off the whole of a local date (away, public holiday, not a working day): empty when it is a working day for them. */
function dayOffReasons(id: string, person: Person, date: string): string[] {
  const reasons: string[] = [];
  for (const a of person.away ?? []) {
    if (a.from <= date && date <= a.to) reasons.push(`${id} is away until ${a.to}${a.reason ? ` (${a.reason})` : ''}`);
  }
  const holiday = person.region ? holidayOn(person.region, date) : null;
  if (holiday) reasons.push(`public holiday in ${person.region}: ${holiday} (for ${id})`);
  return reasons;
}

/** The next day off (away or public holiday) of a person on or after a local date, within a year; for `midair team`. */
export function nextDayOff(id: string, person: Person, from: string): { date: string; reasons: string[] } | null {
  for (let i = 0; i < PERSON_LOOKAHEAD_DAYS; i++) {
    const date = addDays(from, i);
    const reasons = dayOffReasons(id, person, date);
    if (reasons.length) return { date, reasons };
  }
  return null;
}

/** Whether person `id` is at work at `at`: in their working hours, in their time zone, not away, not on a public holiday of their region. */
export function availability(id: string, person: Person, at: Date): Availability {
  const hours = hoursOf(person);
  const local = localTime(at, person.timezone);
  const reasons = dayOffReasons(id, person, local.date);
  if (!worksOn(hours, local.weekday)) reasons.push(`${id} is outside working hours in ${person.timezone} (${hours.days.join(',')} ${hours.from}-${hours.to}, it is ${DAY_NAMES[local.weekday]} ${local.clock} there)`);
  else if (local.clock < hours.from || local.clock >= hours.to) reasons.push(`${id} is outside working hours in ${person.timezone} (${hours.from}-${hours.to}, it is ${local.clock} there)`);
  if (!reasons.length) return { available: true, until: zonedInstant(local.date, hours.to, person.timezone) };
  for (let i = 0; i < PERSON_LOOKAHEAD_DAYS; i++) {
    const date = addDays(local.date, i);
    if (!worksOn(hours, weekdayOf(date)) || dayOffReasons(id, person, date).length) continue;
    const start = zonedInstant(date, hours.from, person.timezone);
    if (start > at) return { available: false, reasons, until: start };
  }
  return { available: false, reasons, until: null };
}
