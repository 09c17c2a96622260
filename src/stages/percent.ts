import { MidairError } from '../errors.js';

/**
 * A ramp percentage as given by a person or a script: a number from 0 to 100 with at most two
 * decimals (the control schema keeps numeric(5,2), and every instance must route by the same value).
 */
export function rampPercentOf(value: unknown, migration: string): number {
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  const percent = /^\d+(\.\d{1,2})?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new MidairError(`ramp percentage ${JSON.stringify(value)} for migration "${migration}" is not a number from 0 to 100`, 'give a percentage like 10 or 12.5 (at most two decimals)');
  }
  return percent;
}
