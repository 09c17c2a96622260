import type { DatabaseKind } from '../db/executor.js';
import type { Mismatch } from '../verify/run.js';
import type { CompareEvidence } from './compareEvidence.js';
import type { KillPropagation } from './killPropagation.js';
import type { LostWrite } from './ledger.js';
import type { FailureSample, SideRequests } from './stats.js';

export interface StageReport {
  stage: string;
  startedAt: string;
  endedAt: string;
  seconds: number;
  /** How the client routed records during the stage: "old", "old, new read and compared", "10% new", "new". */
  routing: string;
  requests: number;
  failed: number;
  p99Ms: number;
  /** The requests each shape served, as the application measured them. */
  sides: { old: SideRequests; new: SideRequests };
  maxLockWaitMs: number;
}

/** What users of the application would have seen during one run of a migration under load. */
export interface RunReport {
  /** True only when no request failed, no write was lost, neither verification nor the client's compares found a mismatch, and every stage ran. */
  ok: boolean;
  migration: string;
  database: DatabaseKind;
  rows: number;
  clients: number;
  /** Application instances: Midair client handles with instance ids of their own. */
  instances: number;
  seconds: number;
  requests: { total: number; failed: number; perSecond: number; failures: FailureSample[] };
  /** `checked` is false when the run stopped before the final tables existed. */
  writes: { acknowledged: number; lost: number; checked: boolean; samples: LostWrite[] };
  verification: { rowsChecked: number; mismatches: number; unsynced: number; samples: Mismatch[] };
  /** The client's reads of both shapes compared (shadow and live), from the evidence it stored in the control schema. */
  compares: CompareEvidence;
  /** How long the kill switch took to reach every instance; null when the run stopped before it. */
  killSwitch: KillPropagation | null;
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
  return (
    report.requests.failed === 0 &&
    report.writes.lost === 0 &&
    report.writes.checked &&
    report.verification.mismatches === 0 &&
    report.compares.mismatches === 0 &&
    report.failure === null
  );
}
