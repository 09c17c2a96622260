import type { Side } from '../client/route.js';

export type { Side };

/**
 * One application instance's way to a migration's records: the Midair client's handle
 * (`midair.migration(name, spec)`), which decides per record which shape serves a request.
 */
export interface RecordRouter<I> {
  route(input: I): Side;
  read(input: I): Promise<unknown>;
  write(input: I): Promise<unknown>;
}

/** What a request tells the fleet about itself: the shape that served it, set before it can fail; null when it made no request. */
export interface RequestTrace {
  side: Side | null;
}

/**
 * What simulated clients do. One call is one request of the application, a read or a write of one
 * record through an instance's router; a write that succeeds is recorded in the ledger with the
 * values it must leave in the final tables and the shape that wrote it.
 */
export interface Workload<I> {
  request(router: RecordRouter<I>, trace: RequestTrace): Promise<void>;
}
