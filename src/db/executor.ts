import type { EmbeddedExecutor } from './embedded.js';

/** One connection-like handle on a database, whichever driver is behind it. */
export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Runs several statements separated by semicolons, with no parameters. */
  exec(sql: string): Promise<void>;
}

/** A query's rows and how many rows it returned or changed (null where the driver does not say), as node-postgres answers. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number | null;
}

/** A handle whose queries answer rows and row counts: what application code gets from the client. */
export interface ResultQueryable {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

/** A statement's whole answer: its command tag's parts and its rows, values in column order. */
export interface StatementResult {
  /** The command tag's first word: SELECT, INSERT, CREATE... */
  command: string;
  /** The tag's row count (rows returned, inserted, updated...), null when the tag has none. */
  rowCount: number | null;
  /** Empty for a statement that returns no rows. */
  columns: string[];
  rows: unknown[][];
}

/** Runs one statement with no parameters and answers all of it. */
export type RunStatement = (sql: string) => Promise<StatementResult>;

export type DatabaseKind = 'postgres' | 'embedded';

/** A handle that can also run a transaction. */
export interface Transactional extends Queryable {
  /** Runs fn inside BEGIN/COMMIT on one connection; rolls back if fn throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

export interface Executor extends Transactional {
  readonly kind: DatabaseKind;
  /** Human description without credentials, e.g. "postgres 127.0.0.1:5432/app". */
  readonly description: string;
  /** A dedicated session (one connection) for session-level state such as advisory locks. */
  session<T>(fn: (session: Queryable) => Promise<T>): Promise<T>;
  /** A dedicated session whose statements answer their tag, columns and rows, as `midair sql` prints them. */
  statementSession<T>(fn: (run: RunStatement) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Whether a handle is the embedded database's; here, not in embedded.ts, so that asking loads no PGlite. */
export function isEmbeddedExecutor(db: Executor): db is EmbeddedExecutor {
  return db.kind === 'embedded' && 'resultTransaction' in db && 'listen' in db;
}
