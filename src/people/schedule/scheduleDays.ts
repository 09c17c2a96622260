import { countOption } from '../../countOption.js';

/** `days` of `midair schedule`: how far ahead it looks, a whole number from 1 to 366, 14 when not given. */
export function scheduleDays(value: number | string | undefined): number {
  return countOption(value, { flag: '--days', unit: 'days', fallback: 14, max: 366, example: 7 });
}
