import { MidairError } from '../errors.js';

/** A numeric flag's value, or a clear error naming the flag, its range and the verb's help. */
export function numberFlag(verb: string, flag: string, value: string, min: number, max: number, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new MidairError(`${flag} ${value}: not ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`, `see \`midair ${verb} --help\``);
  }
  return n;
}
