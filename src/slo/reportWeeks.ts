import { countOption } from '../countOption.js';

/** `weeks` of `midair slo report`: a whole number from 1 to 520, 8 when not given. */
export function reportWeeks(value: number | string | undefined): number {
  return countOption(value, { flag: '--weeks', unit: 'weeks', fallback: 8, max: 520, example: 8 });
}
