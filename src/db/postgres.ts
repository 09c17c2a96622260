import pg from 'pg';
import type { Executor, Queryable, RunStatement } from './executor.js';

// Return bigint/numeric as strings (node-postgres default) but int8 counts as numbers are
// converted where they are read; dates stay as strings so values round-trip exactly.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 1082 || oid === 1114 || oid === 1184) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
};

function wrap(client: pg.ClientBase | pg.Pool): Queryable {
  return {
    async query(sql, params) {
      const result = await client.query({ text: sql, values: params ?? [], types });
      return result.rows;
    },
    async exec(sql) {
      await client.query(sql);
    },
  };
}

function runStatement(client: pg.ClientBase): RunStatement {
  return async (sql) => {
    const result = await client.query({ text: sql, types, rowMode: 'array' });
    return { command: result.command, rowCount: result.rowCount, columns: result.fields.map((f) => f.name), rows: result.rows as unknown[][] };
  };
}

/** Runs fn inside BEGIN/COMMIT on one connection of the pool; rolls back if fn throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const result = await fn(c);
    await c.query('COMMIT');
    return result;
  } catch (error) {
    await c.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    c.release();
  }
}

export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `postgres ${u.hostname}${u.port ? ':' + u.port : ''}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}

export async function connectPostgres(url: string, options: { applicationName: string; poolSize?: number }): Promise<Executor> {
  // Connections open only on demand; the room is for backfill workers, which hold one each for the
  // whole run (up to 64, besides the operator lock's session and short queries).
  const pool = new pg.Pool({
    connectionString: url,
    application_name: options.applicationName,
    max: options.poolSize ?? 68,
    // A host that drops packets fails in one line instead of hanging until the OS gives up.
    connectionTimeoutMillis: 10_000,
    // A killed Midair process's session (and the operator lock it holds) ends within seconds,
    // not when its statement would have finished, so the re-run is not refused meanwhile.
    // Row-level security must never hide rows from backfill or verify: with it off, a policy that
    // would filter Midair's queries makes them fail instead (owners and superusers pass as before).
    options: '-c client_connection_check_interval=2000 -c row_security=off',
  });
  // A client losing its connection, idle or checked out between queries, must not crash the
  // process; the next query reports it.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const client = await pool.connect();
  client.release();
  const base = wrap(pool);
  const withClient = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  };
  return {
    kind: 'postgres',
    description: describeUrl(url),
    query: base.query,
    exec: base.exec,
    session: (fn) => withClient((c) => fn(wrap(c))),
    statementSession: (fn) => withClient((c) => fn(runStatement(c))),
    transaction: (fn) => inTransaction(pool, (c) => fn(wrap(c))),
    async close() {
      await pool.end();
    },
  };
}
