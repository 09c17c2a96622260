import pg from 'pg';
import { ident } from '../db/sql.js';
import type { ClientTransport, ComparedReads, ListenHandlers, OtherRead, ShapeRead } from './transport.js';
import { boundShapeDb } from './transport.js';

export interface PostgresTransportOptions {
  url: string;
  /** A direct (not transaction-pooled) URL for the LISTEN connection; default `url`. */
  listenUrl?: string;
  applicationName: string;
  poolSize: number;
}

const LISTEN_BACKOFF_MS = { first: 100, max: 5_000 };

/**
 * A plain node-postgres pool (application_name only, no startup options) so that it works behind
 * PgBouncer in transaction pooling mode, and a LISTEN connection of its own that reconnects.
 */
export function postgresTransport(options: PostgresTransportOptions): ClientTransport {
  // Pipelining lets a read's BEGIN, its queries and its COMMIT go out without a round trip each.
  const pool = new pg.Pool({ connectionString: options.url, application_name: options.applicationName, max: options.poolSize, pipeline: true });
  // An idle connection that drops must not crash the application; the next query reports it.
  pool.on('error', () => {});
  return {
    async transaction(searchPath, readOnly, fn) {
      const client = await pool.connect();
      const handle = boundShapeDb(async (sql, params) => {
        const result = await client.query(sql, params);
        return { rows: result.rows, rowCount: result.rowCount };
      });
      const begin = client.query(`${readOnly ? 'BEGIN READ ONLY' : 'BEGIN'}; SET LOCAL search_path TO ${searchPath}`);
      let broken: Error | undefined;
      try {
        // A write waits for its BEGIN: none of its statements may run outside the transaction.
        // A read sends its first query right behind it, and fails below if the BEGIN did.
        if (!readOnly) await begin;
        const result = await fn(handle.db);
        await begin;
        handle.end();
        if (readOnly) {
          // Nothing of a read-only transaction is lost if COMMIT fails: the connection goes back at
          // once, the next transaction on it queued behind the COMMIT.
          client.query('COMMIT').catch(() => {});
          client.release();
          return result;
        }
        await client.query('COMMIT');
        client.release();
        return result;
      } catch (error) {
        handle.end();
        await begin.catch(() => {});
        await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        // A connection that cannot even roll back is dropped, not handed to the next request.
        client.release(broken);
        throw error;
      }
    },
    compareReads<A, B>(served: ShapeRead<A>, other: ShapeRead<B>): ComparedReads<A, B> {
      let servedDone!: { resolve(value: A): void; reject(error: unknown): void };
      const servedValue = new Promise<A>((resolve, reject) => (servedDone = { resolve, reject }));
      const otherOutcome = (async (): Promise<OtherRead<B> | null> => {
        let client: pg.PoolClient;
        try {
          client = await pool.connect();
        } catch (error) {
          servedDone.reject(error);
          return null;
        }
        const run = async (sql: string, params?: unknown[]) => {
          const result = await client.query(sql, params);
          return { rows: result.rows, rowCount: result.rowCount };
        };
        const begin = client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path TO ${served.searchPath}`);
        const first = boundShapeDb(run);
        try {
          const value = await served.fn(first.db);
          await begin;
          servedDone.resolve(value);
        } catch (error) {
          servedDone.reject(error);
          await begin.catch(() => {});
          await client.query('ROLLBACK').then(() => client.release(), (e: Error) => client.release(e));
          return null;
        } finally {
          first.end();
        }
        const second = boundShapeDb(run);
        const started = performance.now();
        let outcome: OtherRead<B>;
        try {
          const shaped = client.query(`SET LOCAL search_path TO ${other.searchPath}`);
          const value = await other.fn(second.db);
          await shaped;
          outcome = { value, ms: performance.now() - started };
        } catch (error) {
          outcome = { error, ms: performance.now() - started };
        } finally {
          second.end();
        }
        // Read only: a COMMIT or ROLLBACK that fails loses nothing; the connection goes back at once.
        client.query('ROLLBACK').catch(() => {});
        client.release();
        return outcome;
      })();
      return { served: servedValue, other: otherOutcome };
    },
    control: {
      async query(sql, params) {
        return (await pool.query(sql, params)).rows;
      },
      async exec(sql) {
        await pool.query(sql);
      },
      async transaction(fn) {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const result = await fn({
            query: async (sql, params) => (await client.query(sql, params)).rows,
            exec: async (sql) => void (await client.query(sql)),
          });
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        } finally {
          client.release();
        }
      },
    },
    listen: (channel, handlers) => reconnectingListener(options.listenUrl ?? options.url, `${options.applicationName} (midair listen)`, channel, handlers),
    async close() {
      await pool.end();
    },
  };
}

/** A LISTEN connection that comes back after it drops (a restart, pg_terminate_backend), with backoff. */
async function reconnectingListener(url: string, applicationName: string, channel: string, handlers: ListenHandlers): Promise<{ close(): Promise<void> }> {
  let closed = false;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | null = null;
  let backoff = LISTEN_BACKOFF_MS.first;

  const scheduleRetry = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void open();
    }, backoff);
    retry.unref();
    backoff = Math.min(backoff * 2, LISTEN_BACKOFF_MS.max);
  };

  const open = async () => {
    const c = new pg.Client({ connectionString: url, application_name: applicationName });
    let down = false;
    const lost = (error: Error) => {
      if (down) return;
      down = true;
      if (client === c) client = null;
      c.end().catch(() => {});
      if (closed) return;
      handlers.onDown(error);
      scheduleRetry();
    };
    c.on('error', lost);
    c.on('end', () => lost(new Error('the LISTEN connection ended')));
    c.on('notification', (message) => {
      if (message.channel === channel) handlers.onNotify(message.payload ?? '');
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${ident(channel)}`);
    } catch (error) {
      lost(error as Error);
      return;
    }
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    client = c;
    backoff = LISTEN_BACKOFF_MS.first;
    handlers.onUp();
  };

  await open();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
