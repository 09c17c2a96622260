import type { TeamConfig } from '../people/team.js';
import type { CredentialConfig, ServiceConfig, SloConfig } from '../slo/services.js';

/** What `midair.config.ts` exports (through defineConfig). Every field is optional. */
export interface MidairConfig {
  /** A PostgreSQL connection URL. DATABASE_URL and --database override it; none at all means the embedded database. */
  database?: string;
  /** Folder of migration files, relative to the config file. Default "migrations". */
  migrationsDir?: string;
  /** The schema whose tables migrations change. Default "public". */
  schema?: string;
  /** How long one DDL statement may wait for a lock before it is retried. Default 500. */
  lockTimeoutMs?: number;
  /** How many times a statement that timed out waiting for a lock is tried again. Default 30. */
  lockRetries?: number;
  /** Folder of the embedded database. Default ".midair/db". */
  embeddedDir?: string;
  backfill?: {
    /** Rows in the first batch; later batches adapt to targetBatchMs. Default 1000. */
    batchSize?: number;
    /** Time one batch should take. Default 100. */
    targetBatchMs?: number;
  };
  /** Moving traffic (docs/client.md): the application client's sampling, and the bounds of gates and guards. */
  traffic?: TrafficConfig;
  /** The people in charge (docs/people.md): who they are, owners of migrations, freezes, paging. Without it, anyone may act. */
  team?: TeamConfig;
  /** Services and their SLOs (docs/slo.md): error budgets and burn rates gate risky steps. A migration names its service (team.migrations.<name>.service or the file's `service`). */
  services?: Record<string, ServiceConfig>;
  /** How budgets gate risky steps. */
  slo?: SloConfig;
  /** Third-party API credentials used in production, for `midair doctor` (docs/doctor.md). */
  credentials?: Record<string, CredentialConfig>;
}

export interface TrafficConfig {
  /** Share (0-1) of reads in shadow and live that also read the other shape and compare. Default 1. */
  shadowSample?: number;
  /** Compares needed in shadow before `advance ... live`. Default 1000. */
  minShadowCompares?: number;
  /** Highest mismatch rate (mismatches / compares) of a window that gates and guards accept. Default 0.001. */
  maxMismatchRate?: number;
  /** Highest error rate (errors / calls) of the new shape in a window. Default 0.01. */
  maxErrorRate?: number;
  /** Highest p99 latency of the new shape relative to the old one's in a window. Default 2. */
  maxP99Ratio?: number;
  /** The window that ramp gates and guards judge, in seconds. Default 300. */
  windowSeconds?: number;
  /** Fewest calls of a side in a window for guards to judge its rates at all. Default 100. */
  minWindowCalls?: number;
  /** Time at a ramp step (and at 100% before rampdown) before the next step, in seconds. Default 600. */
  minSoakSeconds?: number;
  /** Time no instance may have used the old shape before rampdown completes, in seconds. Default 900. */
  oldUnusedSeconds?: number;
}

export function defineConfig(config: MidairConfig): MidairConfig {
  return config;
}
