import type { Transactional } from '../db/executor.js';
import { MidairError } from '../errors.js';
import type { ShapeDb } from './spec.js';

/** One side's read: its search_path and the application's function. */
export interface ShapeRead<T> {
  searchPath: string;
  fn: (db: ShapeDb) => Promise<T>;
}

/** What became of the other side's read: its value or error and how long it took; null when it never ran (the served read failed). */
export type OtherRead<T> = ({ value: T } | { error: unknown }) & { ms: number };

export interface ComparedReads<A, B> {
  served: Promise<A>;
  other: Promise<OtherRead<B> | null>;
}

/** What the client is told about its LISTEN connection. */
export interface ListenHandlers {
  onNotify(payload: string): void;
  /** Listening (again): notifications may have been missed meanwhile. */
  onUp(): void;
  onDown(error: Error): void;
}

/**
 * The application client's way to the database, apart from Midair's operator connections (which
 * set session options that PgBouncer rejects and turn row-level security off).
 */
export interface ClientTransport {
  /**
   * Runs fn in a transaction of its own whose search_path is `searchPath` (SET LOCAL, so it never
   * outlives the transaction, behind PgBouncer too); commits, or rolls back when fn throws.
   */
  transaction<T>(searchPath: string, readOnly: boolean, fn: (db: ShapeDb) => Promise<T>): Promise<T>;
  /**
   * A comparison: `served`, then `other`, in one read-only REPEATABLE READ transaction, each on its
   * own search_path, so both read one snapshot and a write landing between them is no mismatch.
   * `served` settles as soon as its read is done; `other` runs after it, on the same connection.
   */
  compareReads<A, B>(served: ShapeRead<A>, other: ShapeRead<B>): ComparedReads<A, B>;
  /** Reads and writes of the control schema (routing, evidence, a guard pulling the kill switch). */
  control: Transactional;
  /** Listens on a channel until the returned close; reconnects by itself when the connection drops. */
  listen(channel: string, handlers: ListenHandlers): Promise<{ close(): Promise<void> }>;
  close(): Promise<void>;
}

/** A ShapeDb that refuses to run once its transaction is over (a query kept for later would run outside it). */
export function boundShapeDb(run: ShapeDb['query']): { db: ShapeDb; end(): void } {
  let open = true;
  return {
    db: {
      query(sql, params) {
        if (!open) return Promise.reject(new MidairError('a db handle was used after its read or write returned', 'use the db given to the current call; each call runs in a transaction of its own that ends when it returns'));
        return run(sql, params);
      },
    },
    end: () => {
      open = false;
    },
  };
}
