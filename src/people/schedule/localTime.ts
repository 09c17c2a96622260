/** Wall-clock readings in IANA time zones, and the instants they name: what working hours, absences and holidays are written in. */

export interface LocalTime {
  /** "YYYY-MM-DD" in the zone. */
  date: string;
  /** "HH:MM", 24-hour, in the zone. */
  clock: string;
  /** 0 Sunday to 6 Saturday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, f);
  }
  return f;
}

function partsOf(instant: Date, zone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of formatterOf(zone).formatToParts(instant)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** The date, clock and weekday an instant reads as in `zone`. */
export function localTime(instant: Date, zone: string): LocalTime {
  const p = partsOf(instant, zone);
  const date = `${p.year}-${pad(p.month!)}-${pad(p.day!)}`;
  return { date, clock: `${pad(p.hour!)}:${pad(p.minute!)}`, weekday: weekdayOf(date) };
}

/** The weekday of a calendar date ("YYYY-MM-DD"), 0 Sunday to 6 Saturday. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** Minutes the zone is ahead of UTC at an instant. */
function offsetMinutes(instant: Date, zone: string): number {
  const p = partsOf(instant, zone);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The instant the wall clock in `zone` reads `clock` on `date`. A time skipped by a daylight-saving
 * change lands just after the gap (02:30 on a spring-forward night is 03:30); a time read twice is its first.
 */
export function zonedInstant(date: string, clock: string, zone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [h, min] = clock.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, m - 1, d, h, min);
  // A day either side of the reading lies before and after any change of that night: the two offsets it can have.
  const before = offsetMinutes(new Date(wall - 86_400_000), zone);
  const after = offsetMinutes(new Date(wall + 86_400_000), zone);
  const valid = [before, after].map((offset) => wall - offset * 60_000).filter((t) => wall - offsetMinutes(new Date(t), zone) * 60_000 === t);
  // None valid: the reading is in a spring-forward gap, which the offset from before it moves past.
  return new Date(valid.length ? Math.min(...valid) : wall - before * 60_000);
}

/** The calendar date `days` after `date` ("YYYY-MM-DD"). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** "2026-12-24 18:00 Europe/Berlin": an instant as people in `zone` read it. */
export function describeLocal(instant: Date, zone: string): string {
  const t = localTime(instant, zone);
  return `${t.date} ${t.clock} ${zone}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
