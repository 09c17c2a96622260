const DAY = 86_400_000;

/** The start of the ISO week holding `time`: Monday 00:00 UTC. */
export function weekStart(time: Date): Date {
  const day = Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate());
  return new Date(day - ((time.getUTCDay() + 6) % 7) * DAY);
}

/** The ISO 8601 name of the week starting at `monday`, e.g. "2026-W11" (the week belongs to the year of its Thursday). */
export function isoWeekName(monday: Date): string {
  const thursday = new Date(monday.getTime() + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export const WEEK_MS = 7 * DAY;
