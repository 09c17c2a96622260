import type { EmbeddedExecutor } from '../db/embedded.js';
import type { ClientTransport, ComparedReads, OtherRead, ShapeRead } from './transport.js';
import { boundShapeDb } from './transport.js';

/**
 * The embedded database has one connection, Midair's own: the application's transactions share
 * it (queued), and PGlite delivers the notifications of its own session, so LISTEN never drops.
 */
export function embeddedTransport(db: EmbeddedExecutor): ClientTransport {
  return {
    transaction: (searchPath, readOnly, fn) =>
      db.resultTransaction(async (tx) => {
        if (readOnly) await tx.query('SET TRANSACTION READ ONLY');
        await tx.query(`SET LOCAL search_path TO ${searchPath}`);
        const handle = boundShapeDb((sql, params) => tx.query(sql, params));
        try {
          return await fn(handle.db);
        } finally {
          handle.end();
        }
      }),
    compareReads<A, B>(served: ShapeRead<A>, other: ShapeRead<B>): ComparedReads<A, B> {
      let servedDone!: { resolve(value: A): void; reject(error: unknown): void };
      const servedValue = new Promise<A>((resolve, reject) => (servedDone = { resolve, reject }));
      const otherOutcome = db
        .resultTransaction(async (tx): Promise<OtherRead<B> | null> => {
          await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
          await tx.query(`SET LOCAL search_path TO ${served.searchPath}`);
          const first = boundShapeDb((sql, params) => tx.query(sql, params));
          try {
            servedDone.resolve(await served.fn(first.db));
          } finally {
            first.end();
          }
          const second = boundShapeDb((sql, params) => tx.query(sql, params));
          const started = performance.now();
          try {
            await tx.query(`SET LOCAL search_path TO ${other.searchPath}`);
            return { value: await other.fn(second.db), ms: performance.now() - started };
          } catch (error) {
            return { error, ms: performance.now() - started };
          } finally {
            second.end();
          }
        })
        .catch((error: unknown) => {
          servedDone.reject(error);
          return null;
        });
      return { served: servedValue, other: otherOutcome };
    },
    control: db,
    async listen(channel, handlers) {
      const unlisten = await db.listen(channel, handlers.onNotify);
      handlers.onUp();
      return { close: unlisten };
    },
    // The executor is Midair's handle; Midair closes it.
    async close() {},
  };
}
