import { MidairError } from '../../errors.js';

/** How far ahead `midair schedule` looks unless told, and at most. */
const DEFAULT_DAYS = 14;
const MAX_DAYS = 366;

/** `days` of `midair schedule` (the library's number or the command line's text): a whole number from 1 to 366, 14 when not given. */
export function scheduleDays(value: number | string | undefined): number {
  if (value === undefined) return DEFAULT_DAYS;
  const days = typeof value === 'string' ? (/^\d+$/.test(value) ? Number(value) : NaN) : value;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new MidairError(`--days must be a whole number of days from 1 to ${MAX_DAYS}, not "${value}"`, 'e.g. --days 7');
  return days;
}
