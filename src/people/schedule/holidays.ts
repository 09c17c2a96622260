import { dateHolidays } from '../dateHolidays.js';

const calendars = new Map<string, Map<string, string>>();

/** The public holidays of a region ("DE", "US-CA") in a year, by local date "YYYY-MM-DD" -> name. */
function publicHolidays(region: string, year: number): Map<string, string> {
  const key = `${region} ${year}`;
  let days = calendars.get(key);
  if (!days) {
    const [country, state] = region.split('-') as [string, string | undefined];
    const Holidays = dateHolidays();
    const calendar = state ? new Holidays(country, state) : new Holidays(country);
    days = new Map();
    for (const h of calendar.getHolidays(year) || []) {
      if (h.type === 'public' && !days.has(h.date.slice(0, 10))) days.set(h.date.slice(0, 10), h.name);
    }
    calendars.set(key, days);
  }
  return days;
}

/** The name of the public holiday on `date` ("YYYY-MM-DD", local to the region) in `region`, or null. */
export function holidayOn(region: string, date: string): string | null {
  return publicHolidays(region, Number(date.slice(0, 4))).get(date) ?? null;
}

