import type { Executor } from '../db/executor.js';
import type { Actor } from '../people/actor.js';
import type { TeamConfig } from '../people/team.js';
import type { ServiceConfig } from '../slo/services.js';
import type { Asker, TrafficBounds } from '../stages/gate.js';
import type { LockPolicy } from './runSteps.js';

export interface Settings extends LockPolicy {
  schema: string;
  batchSize: number;
  targetBatchMs: number;
  /** The bounds of traffic gates and guards. */
  traffic: TrafficBounds;
  /** The people in charge; null: no team is configured, and anyone may act. */
  team: TeamConfig | null;
  /** Services and their SLOs (docs/slo.md); empty: no budgets are judged. */
  services: Record<string, ServiceConfig>;
  slo: { minBudgetLeft: number };
}

/** Who asks, under which team and services, now: what the people gates and the budget gate judge. */
export function askerOf(ctx: Context): Asker {
  const { team, services, slo } = ctx.settings;
  return { actor: ctx.actor, team, budgets: { services, minBudgetLeft: slo.minBudgetLeft }, now: ctx.now() };
}

/** What every life-cycle step needs: the database and the settings. */
export interface Context {
  db: Executor;
  settings: Settings;
  /** Progress and notices for people; the CLI renders them, the library may ignore them. */
  report: Reporter;
  /** Who is acting: named in every audit entry, judged by the people rules when a team is configured. */
  actor: Actor;
  /** The time now; tests inject a fixed clock. */
  now: () => Date;
}

export interface BackfillProgress {
  table: string;
  rowsDone: number;
  rowsTotal: number;
  rowsPerSecond: number;
  etaSeconds: number | null;
  batchSize: number;
  workers: number;
  /** True when the workers wait (paused or throttled) with no batch done: only table and throttle count then. */
  waiting: boolean;
  /** What slows the backfill now (replication lag, probe latency, rate cap, pause), or null. */
  throttle: string | null;
}

export interface Reporter {
  step(message: string): void;
  warn(message: string): void;
  progress(progress: BackfillProgress): void;
}

export const silentReporter: Reporter = { step() {}, warn() {}, progress() {} };
