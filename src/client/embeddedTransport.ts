import type { EmbeddedExecutor } from '../db/embedded.js';
import type { ClientTransport } from './transport.js';
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
