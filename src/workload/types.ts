/** Which release of the application a simulated client runs: the old shape or the version schema. */
export type Release = 'old' | 'new';

/** One client's view of the database: its statements resolve names through its release's search_path. */
export interface Session {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

/**
 * What simulated clients do. One call is one request of the application (a read or a write); a
 * write that succeeds is recorded in the ledger with the values it must leave in the final tables.
 */
export interface Workload {
  request(release: Release, session: Session): Promise<void>;
}
