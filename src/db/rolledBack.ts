import type { Queryable, Transactional } from './executor.js';

class RolledBack<T> {
  constructor(readonly value: T) {}
}

/** Runs fn in a transaction that is always rolled back, and returns what fn returned. */
export async function rolledBack<T>(db: Transactional, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    await db.transaction(async (tx) => {
      throw new RolledBack(await fn(tx));
    });
  } catch (outcome) {
    if (outcome instanceof RolledBack) return outcome.value as T;
    throw outcome;
  }
  throw new Error('unreachable: the transaction always rolls back');
}
