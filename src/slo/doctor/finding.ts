import type { Queryable } from '../../db/executor.js';
import type { ResolvedConfig } from '../../config/load.js';

/**
 * How much a finding stands in the way of no-downtime changes. `blocking`: it causes downtime or
 * makes a migration step unsafe now (the CLI exits 1); `warning`: it weakens the safety net.
 */
export type Severity = 'blocking' | 'warning';

/** One thing that stands between a database and no-downtime changes, with what shows it and the fix. */
export interface Finding {
  /** The check that found it. */
  check: string;
  severity: Severity;
  title: string;
  /** The rows, roles, sessions, tables... that show it, one per line. */
  evidence: string[];
  fix: string;
}

/** The doctor's thresholds (docs/doctor.md). */
export interface DoctorOptions {
  /** A session running a statement in a transaction open longer than this (from its start) is reported. Default 60. */
  longRunningSeconds?: number;
  /** A session idle in a transaction open longer than this (from its start) is reported. Default 30. */
  idleInTransactionSeconds?: number;
  /** A standby replaying further behind than this is reported. Default 30. */
  replicationLagSeconds?: number;
}

export const DOCTOR_DEFAULTS: Required<DoctorOptions> = { longRunningSeconds: 60, idleInTransactionSeconds: 30, replicationLagSeconds: 30 };

/** What every check reads. */
export interface DoctorContext {
  db: Queryable;
  /** Whether the database is a server (the embedded database has no other sessions, roles or standbys). */
  server: boolean;
  settings: ResolvedConfig;
  options: Required<DoctorOptions>;
  now: Date;
  /** Why a check that reads Midair's control schema cannot judge this database, or null: read once for every such check. */
  controlSchemaUnreadable: () => Promise<string | null>;
}

/** A check either ran (and found zero or more things) or was skipped, saying why. */
type CheckOutcome = Finding[] | { skipped: string };

export interface DoctorCheck {
  name: string;
  run(ctx: DoctorContext): Promise<CheckOutcome>;
}

export interface DoctorReport {
  findings: Finding[];
  blocking: number;
  warnings: number;
  checks: { name: string; ran: boolean; skipped?: string }[];
}
