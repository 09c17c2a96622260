import pg from 'pg';
import { searchPathOf, type Connector, type SearchPaths } from './connection.js';
import type { Session } from './types.js';

/** Clients of a server: one real connection each, so their lock waits and latency are real. */
export function serverConnector(url: string, paths: SearchPaths, applicationName: string): Connector {
  return async () => {
    const client = new pg.Client({ connectionString: url, application_name: applicationName });
    // A dropped connection surfaces as the next query's error, counted as a failed request.
    client.on('error', () => {});
    await client.connect();
    let current: string | null = null;
    const session: Session = {
      async query(sql, params) {
        return (await client.query(sql, params ?? [])).rows;
      },
    };
    return {
      async session(release) {
        const path = searchPathOf(release, paths);
        if (path !== current) {
          await client.query(`SET search_path TO ${path}`);
          current = path;
        }
        return session;
      },
      close: () => client.end().catch(() => {}),
    };
  };
}
