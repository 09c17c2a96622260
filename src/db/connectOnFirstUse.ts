import type { DatabaseKind, Executor } from './executor.js';

/**
 * An Executor that connects on its first use: an application that only routes traffic never opens
 * Midair's operator connections (whose session options PgBouncer rejects).
 */
export function connectOnFirstUse(kind: DatabaseKind, description: string, open: () => Promise<Executor>): Executor {
  let opened: Promise<Executor> | null = null;
  // A failed connection is tried again by the next use, not remembered.
  const db = () =>
    (opened ??= open().catch((error: unknown) => {
      opened = null;
      throw error;
    }));
  return {
    kind,
    description,
    query: async (sql, params) => (await db()).query(sql, params),
    exec: async (sql) => (await db()).exec(sql),
    transaction: async (fn) => (await db()).transaction(fn),
    session: async (fn) => (await db()).session(fn),
    statementSession: async (fn) => (await db()).statementSession(fn),
    async close() {
      if (opened) await (await opened).close();
    },
  };
}
