import { createHash } from 'node:crypto';

/** A shape of the data: the old one (the base tables) or the new one (the migration's version schema). */
export type Side = 'old' | 'new';

/**
 * A record's stable bucket, 0 to 99.99: a hash of the migration's name and the record's key, so
 * every instance computes the same bucket, and a record whose bucket is under the ramp percentage
 * stays under it as the percentage grows.
 */
export function bucketOf(migration: string, key: string): number {
  const digest = createHash('sha256').update(migration).update('\0').update(key).digest();
  return digest.readUInt32BE(0) % 10_000 / 100;
}

/** Whether a record goes to the new shape while live: in a canary set, or its bucket under the percentage. */
export function routedNew(migration: string, key: string, percent: number, canary: ReadonlySet<string>): boolean {
  return canary.has(key) || bucketOf(migration, key) < percent;
}
