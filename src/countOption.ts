import { MidairError } from './errors.js';

/**
 * A count option (--days, --weeks) given to the library as a number or on the command line as text:
 * a whole number from 1 to `max`, `fallback` when not given; else an error naming the flag and its range.
 */
export function countOption(value: number | string | undefined, rule: { flag: string; unit: string; fallback: number; max: number; example: number }): number {
  if (value === undefined) return rule.fallback;
  const count = typeof value === 'string' ? (/^\d+$/.test(value) ? Number(value) : NaN) : value;
  if (!Number.isInteger(count) || count < 1 || count > rule.max) {
    throw new MidairError(`${rule.flag} must be a whole number of ${rule.unit} from 1 to ${rule.max}, not "${value}"`, `e.g. ${rule.flag} ${rule.example}`);
  }
  return count;
}
