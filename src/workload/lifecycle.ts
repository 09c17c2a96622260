import { setTimeout as sleep } from 'node:timers/promises';
import type { BackfillResult } from '../backfill/run.js';
import type { Queryable } from '../db/executor.js';
import { MidairError } from '../errors.js';
import type { Midair, MigrationRef } from '../midair.js';
import type { VerifyResult } from '../verify/run.js';
import type { SearchPaths } from './connection.js';
import type { Fleet } from './fleet.js';
import type { Ledger, LedgerResult, LedgerTable } from './ledger.js';
import type { LiveView } from './liveView.js';
import type { LockMonitor } from './lockMonitor.js';
import type { RunReport } from './report.js';
import type { RequestStats } from './stats.js';
import type { Timeline } from './timeline.js';

/** The traffic steps: the share of clients on the new release, in percent. */
export const TRAFFIC_STEPS = [0, 10, 50, 100];

export interface LifecycleOptions {
  midair: Midair;
  migration: MigrationRef;
  fleet: Fleet;
  clients: number;
  paths: SearchPaths;
  timeline: Timeline;
  ledger: Ledger;
  /** The tables the ledger is checked against after complete, in their final shape. */
  finalTables: LedgerTable[];
  schema: string;
  /** How long the application runs at each traffic step (and once more after complete). */
  soakSeconds: number;
  monitor: LockMonitor | null;
  view: LiveView;
  signal?: AbortSignal;
  /** Runs once start has created the version schema. */
  onStarted?: () => Promise<void>;
  /** Runs after each stage with Midair's database handle; tests break things through it on purpose. */
  afterStage?: (stage: string, db: Queryable) => Promise<void>;
}

export interface LifecycleResult {
  backfill: BackfillResult | null;
  verification: VerifyResult | null;
  ledger: LedgerResult | null;
  failure: RunReport['failure'];
  /** Clients on the new release during each stage. */
  newClients: Map<string, number>;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The whole life cycle of one migration while the simulated application runs: old release only,
 * start, backfill, verify, traffic moved to the new release in steps, complete, the new release
 * alone on the final tables, then the ledger check. A failed step (or mismatches found by verify,
 * which gate complete) stops the run and rolls the migration back; an abort does the same and
 * throws, saying what it undid.
 */
export async function runLifecycle(o: LifecycleOptions): Promise<LifecycleResult> {
  const { midair, fleet, timeline, view, signal } = o;
  const result: LifecycleResult = { backfill: null, verification: null, ledger: null, failure: null, newClients: new Map() };
  let started = false;
  let completed = false;
  let stopped = false;
  const stopTraffic = async () => {
    if (stopped) return;
    stopped = true;
    await fleet.stop();
    await o.monitor?.stop();
  };
  const stage = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    signal?.throwIfAborted();
    timeline.begin(name);
    result.newClients.set(name, stopped ? 0 : fleet.newClientCount);
    view.stage(name, stopped ? undefined : `${fleet.newClientCount} of ${o.clients} clients on the new release`);
    const value = await fn();
    await o.afterStage?.(name, midair.db);
    return value;
  };
  const soak = () => sleep(o.soakSeconds * 1000, undefined, { signal });
  const traffic = (percent: number) => {
    fleet.setNewShare(percent);
    return stage(`switch ${percent}%`, async () => {
      if (percent === 0) {
        await fleet.start();
        o.monitor?.start();
      }
      await soak();
    });
  };

  try {
    await traffic(TRAFFIC_STEPS[0]!);
    await stage('start', async () => {
      started = true;
      o.paths.new = (await midair.start(o.migration)).versionSchema;
      await o.onStarted?.();
    });
    result.backfill = await stage('backfill', () => midair.backfill());
    result.verification = await stage('verify', () => midair.verify());
    if (result.verification.mismatches > 0) {
      throw new MidairError(`verify found ${result.verification.mismatches} mismatches, so the migration was not completed`);
    }
    for (const percent of TRAFFIC_STEPS.slice(1)) await traffic(percent);
    await stage('complete', async () => {
      await midair.complete();
      completed = true;
    });
    await stage('after complete', soak);
    await stopTraffic();
    result.ledger = await stage('check', () => o.ledger.check(midair.db, o.schema, o.finalTables));
  } catch (error) {
    const failedStage = timeline.current;
    await stopTraffic();
    const rolledBack = started && !completed && (await rollBack(midair, view));
    if (signal?.aborted) {
      timeline.end();
      const undone = rolledBack ? 'rolled the migration back' : completed ? 'the migration had completed, so there was nothing to roll back' : 'nothing had changed yet';
      throw new MidairError(`interrupted during ${failedStage}: stopped the simulated application; ${undone}`);
    }
    result.failure = { stage: failedStage, message: messageOf(error), rolledBack };
  }
  timeline.end();
  return result;
}

/** Rolls the active migration back; false when there was nothing to roll back. */
async function rollBack(midair: Midair, view: LiveView): Promise<boolean> {
  try {
    await midair.rollback();
    view.note('rolled the migration back');
    return true;
  } catch (error) {
    view.note(`no rollback: ${messageOf(error)}`);
    return false;
  }
}

/** What the demo and a rehearsal share about the traffic they run and how it is watched. */
export interface TrafficOptions {
  clients: number;
  /** Seconds of traffic at the steps 0/10/50/100% and after complete, in total. */
  durationSeconds: number;
  /** Live progress for people, fed with the run's request counts. Default: none. */
  view?: (stats: RequestStats) => LiveView;
  /** Aborting stops the traffic and rolls the migration back (Ctrl-C in the CLI). */
  signal?: AbortSignal;
  /** For tests: runs after each stage with the run's database handle. */
  afterStage?: (stage: string, db: Queryable) => Promise<void>;
}
