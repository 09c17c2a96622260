import { MidairError } from '../errors.js';

/** A command-line knob that must be a whole number above zero, e.g. --rows. */
export function positiveInteger(flag: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0 || String(value).trim() === '') {
    throw new MidairError(`${flag} must be a whole number above 0 (got "${value}")`, `e.g. ${flag} ${fallback}`);
  }
  return n;
}

/** A knob that must be a number above zero, fractions allowed, e.g. --duration. */
export function positiveNumber(flag: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || String(value).trim() === '') {
    throw new MidairError(`${flag} must be a number above 0 (got "${value}")`, `e.g. ${flag} ${fallback}`);
  }
  return n;
}
