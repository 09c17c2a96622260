import type { DatabaseKind } from '../db/executor.js';
import type { CompareEvidence } from './compareEvidence.js';
import type { LifecycleResult } from './lifecycle.js';
import { LOCK_SAMPLE_MS, type LockMonitor } from './lockMonitor.js';
import { isOk, type RunReport, type StageReport } from './report.js';
import type { RequestStats } from './stats.js';
import type { Timeline } from './timeline.js';

export interface ReportInput {
  migration: string;
  database: DatabaseKind;
  rows: number;
  clients: number;
  instances: number;
  startedAt: number;
  /** Acknowledged writes, for a run whose ledger could not be checked. */
  acknowledged: number;
  stats: RequestStats;
  timeline: Timeline;
  result: LifecycleResult;
  compares: CompareEvidence;
  monitor: LockMonitor | null;
  notes: string[];
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export function buildReport(input: ReportInput): RunReport {
  const { stats, result, monitor } = input;
  const stages: StageReport[] = input.timeline.list().map((span) => ({
    ...span,
    seconds: round(span.seconds, 3),
    routing: result.routing.get(span.stage) ?? '-',
    ...stats.stage(span.stage),
    maxLockWaitMs: round(monitor?.maxWaitIn(span.stage) ?? 0),
  }));
  const trafficSeconds = stages.filter((s) => s.requests > 0).reduce((sum, s) => sum + s.seconds, 0);
  const notes = [...input.notes];
  if (!monitor) notes.push('PGlite has a single connection: clients and Midair take turns on it, so it cannot show lock contention (locks.maxWaitMs is 0, not measured); use --database with a PostgreSQL server for real lock waits');
  else notes.push(`lock waits of client statements were sampled from pg_locks every ${LOCK_SAMPLE_MS} ms; a shorter wait may go unseen`);
  const body: Omit<RunReport, 'ok'> = {
    migration: input.migration,
    database: input.database,
    rows: input.rows,
    clients: input.clients,
    instances: input.instances,
    seconds: round((Date.now() - input.startedAt) / 1000, 1),
    requests: { total: stats.total, failed: stats.failed, perSecond: Math.round(trafficSeconds > 0 ? stats.total / trafficSeconds : 0), failures: stats.failureSamples() },
    writes: result.ledger
      ? { acknowledged: result.ledger.acknowledged, lost: result.ledger.lost, checked: true, samples: result.ledger.samples }
      : { acknowledged: input.acknowledged, lost: 0, checked: false, samples: [] },
    verification: result.verification
      ? { rowsChecked: result.verification.rowsChecked, mismatches: result.verification.mismatches, unsynced: result.verification.unsynced, samples: result.verification.samples }
      : { rowsChecked: 0, mismatches: 0, unsynced: 0, samples: [] },
    compares: input.compares,
    killSwitch: result.killSwitch,
    backfill: result.backfill
      ? { rows: result.backfill.rows, seconds: round(result.backfill.seconds, 3), rowsPerSecond: Math.round(result.backfill.rowsPerSecond) }
      : { rows: 0, seconds: 0, rowsPerSecond: 0 },
    locks: { maxWaitMs: round(monitor?.maxWaitMs ?? 0), measured: monitor !== null, waitsSeen: monitor?.waitsSeen ?? 0, sampleIntervalMs: monitor ? LOCK_SAMPLE_MS : null },
    latency: stats.latency(),
    stages,
    failure: result.failure,
    notes,
  };
  return { ok: isOk(body), ...body };
}
