import type { DatabaseKind } from '../db/executor.js';
import type { Mismatch } from '../verify/run.js';
import type { LostWrite } from './ledger.js';
import type { FailureSample } from './stats.js';

export interface StageReport {
  stage: string;
  startedAt: string;
  endedAt: string;
  seconds: number;
  /** Clients on the new release during the stage. */
  newClients: number;
  requests: number;
  failed: number;
  p99Ms: number;
  maxLockWaitMs: number;
}

/** What users of the application would have seen during one run of a migration under load. */
export interface RunReport {
  /** True only when no request failed, no write was lost, verification found no mismatch and every stage ran. */
  ok: boolean;
  migration: string;
  database: DatabaseKind;
  rows: number;
  clients: number;
  seconds: number;
  requests: { total: number; failed: number; perSecond: number; failures: FailureSample[] };
  /** `checked` is false when the run stopped before the final tables existed. */
  writes: { acknowledged: number; lost: number; checked: boolean; samples: LostWrite[] };
  verification: { rowsChecked: number; mismatches: number; unsynced: number; samples: Mismatch[] };
  backfill: { rows: number; seconds: number; rowsPerSecond: number };
  /** `measured` is false on the embedded database, which has one connection and so no lock contention. */
  locks: { maxWaitMs: number; measured: boolean; waitsSeen: number; sampleIntervalMs: number | null };
  latency: { p50Ms: number; p99Ms: number; maxMs: number };
  stages: StageReport[];
  /** The step that failed (the migration was then rolled back), or null. */
  failure: { stage: string; message: string; rolledBack: boolean } | null;
  notes: string[];
}

export function isOk(report: Omit<RunReport, 'ok'>): boolean {
  return report.requests.failed === 0 && report.writes.lost === 0 && report.writes.checked && report.verification.mismatches === 0 && report.failure === null;
}
