import type { Executor } from '../db/executor.js';
import { searchPathOf, type Connector, type SearchPaths } from './connection.js';
import type { Session } from './types.js';

/**
 * Clients of the embedded database share its one connection (Midair's too: PGlite allows no
 * other). A release other than the default search_path runs each statement in a transaction
 * with SET LOCAL search_path, so clients of both releases can interleave on that connection.
 */
export function embeddedConnector(db: Executor, paths: SearchPaths): Connector {
  return async () => ({
    async session(release) {
      if (release === 'old' && paths.old === 'public') return db;
      const path = searchPathOf(release, paths);
      const session: Session = {
        query: (sql, params) =>
          db.transaction(async (tx) => {
            await tx.exec(`SET LOCAL search_path TO ${path}`);
            return tx.query(sql, params);
          }),
      };
      return session;
    },
    close: async () => {},
  });
}
