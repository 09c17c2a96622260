import type { ResultQueryable } from '../db/executor.js';

/**
 * The database handle a migration's read and write functions get, bound to one shape: every call
 * of a function runs in a transaction of its own with `SET LOCAL search_path` set to that shape.
 */
export type ShapeDb = ResultQueryable;

/** A record's routing key; numbers and bigints are turned into strings. */
export type RoutingKey = string | number | bigint;

/** What an application declares for one migration: `midair.migration(name, spec)`. */
export interface MigrationSpec<Input, Value = unknown, Written = unknown> {
  /** The record an input concerns: routing is sticky per key. Returning nothing is an error. */
  key: (input: Input) => RoutingKey | null | undefined;
  readOld: (db: ShapeDb, input: Input) => Promise<Value>;
  readNew: (db: ShapeDb, input: Input) => Promise<Value>;
  writeOld: (db: ShapeDb, input: Input) => Promise<Written>;
  writeNew: (db: ShapeDb, input: Input) => Promise<Written>;
  /** Whether the two sides agree; default deep equality. A compare that throws is counted, never thrown. */
  compare?: (oldValue: Value, newValue: Value) => boolean;
  /** What of a mismatching value may be stored in the control schema (e.g. drop sensitive fields). */
  redact?: (value: Value) => unknown;
  /** A/A mode: in shadow, compare the old side with itself, to measure the noise of the comparison. */
  aa?: boolean;
  /** Share (0-1) of reads that also read the other side and compare; default the config's traffic.shadowSample. */
  shadowSample?: number;
}

/** Where the client says what went wrong with the control schema (once per outage, not per request). */
export interface ClientLogger {
  warn(message: string): void;
}
