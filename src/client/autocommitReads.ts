import pg from 'pg';
import type { ShapeDb } from './spec.js';
import { boundShapeDb } from './transport.js';

/** What a session starts with: the schemas its default search_path resolves to, and whether it is read-only. */
interface SessionDefaults {
  schemas: string[];
  readOnly: boolean;
}

/** Not run: the caller reads in a transaction instead. */
export const IN_TRANSACTION = Symbol('read in a transaction');

/**
 * Reads of the base schema's shape without BEGIN / SET LOCAL / COMMIT, the statements that cost a
 * small read most of its time: on a pool of sessions started read-only (startup option
 * default_transaction_read_only, so a read that writes still fails), whose own default
 * search_path resolves to exactly the base schema, which every new session is checked for.
 * PgBouncer refuses startup options: then this is off for good and every read keeps its
 * transaction, as does a read when the session's default would not give the base schema's shape
 * (a role or database search_path naming the version schema, or another schema before it).
 */
export class AutocommitReads {
  private readonly pool: pg.Pool;
  private readonly defaults = new WeakMap<pg.PoolClient, SessionDefaults>();
  private refused = false;

  constructor(options: { url: string; applicationName: string; poolSize: number }) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      application_name: options.applicationName,
      max: options.poolSize,
      options: '-c default_transaction_read_only=on',
    });
    // A connection that drops must not crash the application, idle or not (the pool only listens
    // to idle ones; one checked out may learn it was closed between queries): the read reports it.
    this.pool.on('error', () => {});
    this.pool.on('connect', (client) => client.on('error', () => {}));
  }

  /** fn's value, its queries run in autocommit on one session giving `schema`'s shape; or IN_TRANSACTION when there is none. */
  async run<T>(schema: string, fn: (db: ShapeDb) => Promise<T>): Promise<T | typeof IN_TRANSACTION> {
    if (this.refused) return IN_TRANSACTION;
    let client: pg.PoolClient;
    let defaults: SessionDefaults;
    try {
      client = await this.pool.connect();
    } catch (error) {
      // 08P01: a pooler (PgBouncer) that takes no startup options. Anything else (the database
      // down): the read in a transaction says what is wrong.
      if ((error as { code?: string }).code === '08P01') this.refused = true;
      return IN_TRANSACTION;
    }
    try {
      defaults = this.defaults.get(client) ?? (await this.check(client));
    } catch (error) {
      client.release(error as Error);
      return IN_TRANSACTION;
    }
    if (!defaults.readOnly || defaults.schemas.length !== 1 || defaults.schemas[0] !== schema) {
      client.release();
      return IN_TRANSACTION;
    }
    const handle = boundShapeDb(async (sql, params) => {
      const result = await client.query(sql, params);
      return { rows: result.rows, rowCount: result.rowCount };
    });
    let value: T;
    try {
      value = await fn(handle.db);
    } catch (error) {
      handle.end();
      // An error the server reported (it has a SQLSTATE) leaves the session usable; anything else
      // (a lost connection, the application's own throw with queries maybe still under way) drops it.
      client.release(typeof (error as { code?: unknown }).code === 'string' ? undefined : (error as Error));
      throw error;
    }
    handle.end();
    client.release();
    return value;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Once per session: role- and database-level settings (and the URL's own options) apply at its start. */
  private async check(client: pg.PoolClient): Promise<SessionDefaults> {
    const { rows } = await client.query<SessionDefaults>(`SELECT current_schemas(false)::text[] AS schemas, current_setting('transaction_read_only') = 'on' AS "readOnly"`);
    const defaults = rows[0]!;
    this.defaults.set(client, defaults);
    return defaults;
  }
}
