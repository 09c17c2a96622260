import { isDeepStrictEqual } from 'node:util';

/**
 * The default compare: deep strict equality. Dates are equal when they are the same instant,
 * bigints when they are the same number, and a bigint and a number never are (a column read as
 * int8 on one side and int4 on the other is a difference worth seeing).
 */
export function deepEqual(oldValue: unknown, newValue: unknown): boolean {
  return isDeepStrictEqual(oldValue, newValue);
}

/**
 * A value as jsonb can hold it, for the mismatch log: bigints become strings, Dates ISO strings,
 * Buffers hex, Maps objects and Sets arrays; undefined becomes null. A value JSON cannot hold
 * at all (a cycle) is stored as a note saying so, never thrown.
 */
export function jsonValue(value: unknown): string {
  try {
    return JSON.stringify(value === undefined ? null : value, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Map) return Object.fromEntries(v);
      if (v instanceof Set) return [...v];
      if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
        return '\\x' + Buffer.from((v as { data: number[] }).data).toString('hex');
      }
      return v;
    });
  } catch (error) {
    return JSON.stringify({ unserializable: (error as Error).message });
  }
}
