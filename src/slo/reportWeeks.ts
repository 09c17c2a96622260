import { MidairError } from '../errors.js';

const DEFAULT_WEEKS = 8;
const MAX_WEEKS = 520;

/** `weeks` of `midair slo report` (the library's number or the command line's text): a whole number from 1 to 520, 8 when not given. */
export function reportWeeks(value: number | string | undefined): number {
  if (value === undefined) return DEFAULT_WEEKS;
  const weeks = typeof value === 'string' ? (/^\d+$/.test(value) ? Number(value) : NaN) : value;
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > MAX_WEEKS) throw new MidairError(`--weeks must be a whole number of weeks from 1 to ${MAX_WEEKS}, not "${value}"`, 'e.g. --weeks 8');
  return weeks;
}
