import { setTimeout as sleep } from 'node:timers/promises';
import type { BackfillResult } from '../backfill/run.js';
import type { Queryable } from '../db/executor.js';
import { MidairError, MidairRefusal, type RefusalReason } from '../errors.js';
import type { Midair } from '../midair.js';
import type { Migration } from '../migration/types.js';
import type { VerifyResult } from '../verify/run.js';
import type { Fleet } from './fleet.js';
import { measureKill, type KillPropagation } from './killPropagation.js';
import type { Ledger, LedgerResult, LedgerTable } from './ledger.js';
import type { LiveView } from './liveView.js';
import type { LockMonitor } from './lockMonitor.js';
import type { RunReport } from './report.js';
import type { RequestStats } from './stats.js';
import type { Timeline } from './timeline.js';
import type { RecordRouter } from './types.js';

/** Stages that hold traffic for a soak: their share of the run's --duration each. */
export const SOAKED_STAGES = ['shadow', 'live 10%', 'live 50%', 'kill switch', 'live 50% again', 'live 100%', 'rampdown', 'after complete'];

/** An application instance as the run sees it: its id and its Midair client's handle on the migration. */
export interface AppInstance<I> {
  instanceId: string;
  router: RecordRouter<I>;
}

export interface LifecycleOptions<I> {
  midair: Midair;
  migration: Migration;
  fleet: Fleet<I>;
  instances: AppInstance<I>[];
  /** A random existing record, as a read request; the kill switch is measured on one routed new. */
  sampleRecord: () => { key: string; input: I } | null;
  timeline: Timeline;
  ledger: Ledger;
  /** The tables the ledger is checked against after complete, in their final shape. */
  finalTables: LedgerTable[];
  schema: string;
  /** How long the application runs at each of the SOAKED_STAGES. */
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
  /** The last verification: after the backfill, or the one before complete. */
  verification: VerifyResult | null;
  ledger: LedgerResult | null;
  killSwitch: KillPropagation | null;
  failure: RunReport['failure'];
  /** How the client routed records during each stage, for people: "old", "10% new", ... */
  routing: Map<string, string>;
}

/** Refusals that more traffic or more time cannot lift; any other gate (compares, soak, old readers) may open soon. */
const FINAL_REFUSALS: readonly RefusalReason[] = ['stage', 'raced', 'unsynced', 'unverified', 'drift', 'data', 'claimed', 'ambiguous', 'killed', 'budget'];
/** How long a move waits for its evidence gates before the run gives up on it. */
const GATE_WAIT_MS = 15_000;
const GATE_POLL_MS = 200;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The whole life cycle of one migration while the simulated application runs through the Midair
 * client: start, backfill, verify, shadow (old served, new read and compared), live at 10% and 50%,
 * the kill switch pulled once and its propagation to every instance measured, live 50% again, 100%,
 * rampdown, a last verify, complete, the new shape alone on the final tables, then the ledger check.
 * Each move goes through the operator's API and its gates; a move whose evidence gate is not open
 * yet (too few compares, too short a soak) is retried while the traffic keeps producing evidence.
 * A failed step stops the run and rolls the migration back; an abort does the same and throws,
 * saying what it undid.
 */
export async function runLifecycle<I>(o: LifecycleOptions<I>): Promise<LifecycleResult> {
  const { midair, fleet, timeline, view, signal } = o;
  const name = o.migration.name;
  const result: LifecycleResult = { backfill: null, verification: null, ledger: null, killSwitch: null, failure: null, routing: new Map() };
  let started = false;
  let completed = false;
  let stopped = false;
  const stopTraffic = async () => {
    if (stopped) return;
    stopped = true;
    await fleet.stop();
    await o.monitor?.stop();
  };
  const stage = async <T>(stageName: string, routing: string, fn: () => Promise<T>): Promise<T> => {
    signal?.throwIfAborted();
    timeline.begin(stageName);
    result.routing.set(stageName, routing);
    view.stage(stageName, `records served by: ${routing}`);
    const value = await fn();
    await o.afterStage?.(stageName, midair.db);
    return value;
  };
  const soak = () => sleep(o.soakSeconds * 1000, undefined, { signal });
  /** Moves once the move's gates open (the wait counts to the stage before it), then soaks in the new stage. */
  const step = async (stageName: string, routing: string, move: () => Promise<unknown>) => {
    await whenGatesOpen(move, view, signal);
    await stage(stageName, routing, soak);
  };
  const verify = async (stageName: string, routing: string) => {
    result.verification = await stage(stageName, routing, () => midair.verify(name));
    if (result.verification.mismatches > 0) throw new MidairError(`verify found ${result.verification.mismatches} mismatches, so the migration was not completed`);
  };

  try {
    await stage('start', 'old', async () => {
      // The application runs from here on, so start itself runs under its load.
      fleet.start();
      o.monitor?.start();
      started = true;
      await midair.start(o.migration);
      await o.onStarted?.();
    });
    result.backfill = await stage('backfill', 'old', () => midair.backfill({ migration: name }));
    await verify('verify', 'old');
    await step('shadow', 'old, new read and compared', () => midair.advance(name, 'shadow'));
    await step('live 10%', '10% new', () => midair.advance(name, 'live', { percent: 10 }));
    await step('live 50%', '50% new', () => midair.ramp(name, 50));
    await stage('kill switch', 'old (killed)', async () => {
      const record = recordRoutedNew(o);
      result.killSwitch = await measureKill(o.instances, record, async () => {
        await midair.kill(name, { reason: 'the demo pulls the kill switch once to measure how fast it reaches every instance' });
      });
      const missed = result.killSwitch.instances.find((i) => i.ms === null);
      if (missed) throw new MidairError(`the kill switch did not reach instance ${missed.instanceId} within 10 s`);
      view.note(`the kill switch reached all ${o.instances.length} instances in ${result.killSwitch.maxMs} ms`);
      await soak();
    });
    await step('live 50% again', '50% new', () => midair.advance(name, 'live', { percent: 50 }));
    await step('live 100%', 'new', () => midair.ramp(name, 100));
    await step('rampdown', 'new', () => midair.advance(name, 'rampdown'));
    await verify('verify again', 'new');
    await stage('complete', 'new', async () => {
      await whenGatesOpen(() => midair.complete(name), view, signal);
      completed = true;
    });
    await stage('after complete', 'new', soak);
    await stopTraffic();
    result.ledger = await stage('check', '-', () => o.ledger.check(midair.db, o.schema, o.finalTables));
  } catch (error) {
    const failedStage = timeline.current;
    await stopTraffic();
    const rolledBack = started && !completed && (await rollBack(midair, name, view));
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

/** A record every instance routes to the new shape now (at 50%, one in two records is). */
function recordRoutedNew<I>(o: LifecycleOptions<I>): { key: string; input: I } {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const record = o.sampleRecord();
    if (record && o.instances.every((i) => i.router.route(record.input) === 'new')) return record;
  }
  throw new MidairError('no record routed to the new shape was found to measure the kill switch on');
}

/**
 * Runs a move, retrying it while one of its evidence gates refuses (the traffic is producing the
 * evidence meanwhile); a refusal that waiting cannot lift, or one still there after GATE_WAIT_MS,
 * fails the run with the gate's own message.
 */
async function whenGatesOpen<T>(move: () => Promise<T>, view: LiveView, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + GATE_WAIT_MS;
  let said = '';
  for (;;) {
    try {
      return await move();
    } catch (error) {
      if (!(error instanceof MidairRefusal) || FINAL_REFUSALS.includes(error.reason) || Date.now() > deadline) throw error;
      if (error.message !== said) view.note(`waiting for a gate: ${(said = error.message)}`);
      await sleep(GATE_POLL_MS, undefined, { signal });
    }
  }
}

/** Rolls the migration back; false when there was nothing to roll back. */
async function rollBack(midair: Midair, name: string, view: LiveView): Promise<boolean> {
  try {
    await midair.rollback(name);
    view.note('rolled the migration back');
    return true;
  } catch (error) {
    view.note(`no rollback: ${messageOf(error)}`);
    return false;
  }
}

/** What the demo and a rehearsal share about the traffic they run and how it is watched. */
export interface TrafficOptions {
  /** Concurrent request loops of the simulated application. */
  clients: number;
  /** Application instances (Midair client handles, each with its own instance id) the loops share. */
  instances: number;
  /** Seconds of traffic at the soaked stages (shadow, each ramp step, the kill switch, rampdown, after complete), in total. */
  durationSeconds: number;
  /** Live progress for people, fed with the run's request counts. Default: none. */
  view?: (stats: RequestStats) => LiveView;
  /** Aborting stops the traffic and rolls the migration back (Ctrl-C in the CLI). */
  signal?: AbortSignal;
  /** For tests: runs after each stage with the run's database handle. */
  afterStage?: (stage: string, db: Queryable) => Promise<void>;
}
