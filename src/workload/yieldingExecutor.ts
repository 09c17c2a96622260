import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Executor } from '../db/executor.js';

/**
 * The embedded database answers without yielding to the event loop, so a chain of Midair's
 * statements would run to its end before any simulated client (or timer) got a turn. Yielding
 * before each statement lets the clients' requests interleave with Midair's work, as they do on
 * a server.
 */
export function yieldingExecutor(db: Executor): Executor {
  return {
    kind: db.kind,
    description: db.description,
    async query<R>(sql: string, params?: unknown[]) {
      await yieldToEventLoop();
      return db.query<R>(sql, params);
    },
    async exec(sql) {
      await yieldToEventLoop();
      return db.exec(sql);
    },
    async transaction(fn) {
      await yieldToEventLoop();
      return db.transaction(fn);
    },
    async session(fn) {
      await yieldToEventLoop();
      return db.session(fn);
    },
    async statementSession(fn) {
      await yieldToEventLoop();
      return db.statementSession(fn);
    },
    close: () => db.close(),
  };
}
