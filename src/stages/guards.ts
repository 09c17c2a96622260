import type { Queryable, Transactional } from '../db/executor.js';
import { processActor } from '../people/actor.js';
import type { Killed } from '../state/store.js';
import { describeRate, readEvidence, type Evidence } from './evidence.js';
import type { TrafficBounds } from './gate.js';
import { pullKillSwitch } from './killSwitch.js';
import type { Stage } from './stage.js';

/** A guard watched while live; a breach pulls the kill switch. */
export type GuardName = 'mismatch rate' | 'new error rate' | 'new p99 latency';

export interface GuardBreach {
  /** The migration whose guard fired. */
  migration: string;
  guard: GuardName;
  reason: string;
  numbers: Record<string, number | null>;
  /** True when this call pulled the kill switch; false when another caller pulled it first. */
  pulled: boolean;
}

/** The p99 of fewer calls is about their slowest one: one call held up by the machine would pull the switch. */
const P99_MIN_CALLS = 100;

/** The first guard the window's evidence breaches, judged only with enough calls (traffic.minWindowCalls). */
function breachOf(e: Evidence, bounds: TrafficBounds): Omit<GuardBreach, 'pulled' | 'migration'> | null {
  const enough = bounds.minWindowCalls;
  const window = `over the last ${bounds.windowSeconds}s`;
  const rateOfMismatch = e.compares.mismatchRate ?? 0;
  if (e.compares.compares >= enough && rateOfMismatch > bounds.maxMismatchRate) {
    return {
      guard: 'mismatch rate',
      reason: `guard "mismatch rate": ${describeRate(rateOfMismatch)} of ${e.compares.compares} compares mismatched ${window}, more than ${describeRate(bounds.maxMismatchRate)} (traffic.maxMismatchRate)`,
      numbers: { compares: e.compares.compares, mismatches: e.compares.mismatches, mismatchRate: rateOfMismatch, maxMismatchRate: bounds.maxMismatchRate, windowSeconds: bounds.windowSeconds },
    };
  }
  const errorRate = e.new.errorRate ?? 0;
  if (e.new.calls >= enough && errorRate > bounds.maxErrorRate) {
    return {
      guard: 'new error rate',
      reason: `guard "new error rate": ${describeRate(errorRate)} of ${e.new.calls} calls to the new shape failed ${window}, more than ${describeRate(bounds.maxErrorRate)} (traffic.maxErrorRate)`,
      numbers: { newCalls: e.new.calls, newErrors: e.new.errors, newErrorRate: errorRate, maxErrorRate: bounds.maxErrorRate, windowSeconds: bounds.windowSeconds },
    };
  }
  const p99Calls = Math.max(enough, P99_MIN_CALLS);
  if (e.new.calls >= p99Calls && e.old.calls >= p99Calls && e.new.p99 !== null && e.old.p99 !== null) {
    const ratio = e.new.p99 / e.old.p99;
    if (ratio > bounds.maxP99Ratio) {
      return {
        guard: 'new p99 latency',
        reason: `guard "new p99 latency": the new shape's p99 (${e.new.p99.toFixed(2)} ms) is ${ratio.toFixed(2)}x the old shape's (${e.old.p99.toFixed(2)} ms) ${window}, more than ${bounds.maxP99Ratio}x (traffic.maxP99Ratio)`,
        numbers: { newP99Ms: e.new.p99, oldP99Ms: e.old.p99, ratio, maxP99Ratio: bounds.maxP99Ratio, newCalls: e.new.calls, oldCalls: e.old.calls, windowSeconds: bounds.windowSeconds },
      };
    }
  }
  return null;
}

/** What the guards judge of a migration: its row as it is now. */
interface Guarded {
  id: number;
  stage: Stage;
  killed: Killed | null;
  rampPercent: number;
  rampChangedAt: string;
}

/**
 * The guard a migration's current ramp step breaches now, over the last window, judged as
 * enforceGuards judges it (nothing unless live with the kill switch released); null when none.
 */
export async function breachNow(db: Queryable, m: Guarded, bounds: TrafficBounds): Promise<ReturnType<typeof breachOf>> {
  if (m.stage !== 'live' || m.killed) return null;
  // The current step's evidence only: what made a guard pull the switch before a resume is not judged again.
  const evidence = await readEvidence(db, m.id, { windowSeconds: bounds.windowSeconds, stage: 'live', rampPercent: m.rampPercent, since: m.rampChangedAt });
  return breachOf(evidence, bounds);
}

/**
 * The guards of a live migration: over the last window, a mismatch rate, a new-shape error rate or
 * a new-shape p99 latency (relative to the old shape's) over its bound pulls the kill switch, with
 * killed.auto naming the guard and the numbers in the audit log. Judges nothing unless the
 * migration is live with its kill switch released. Safe to call from every instance at once: the
 * switch is pulled once, and the others get `pulled: false`.
 */
export async function enforceGuards(db: Transactional, migrationId: number, bounds: TrafficBounds): Promise<GuardBreach | null> {
  const [m] = await db.query<Guarded & { name: string }>(
    'SELECT id::int AS id, name, stage, killed, ramp_percent::float8 AS "rampPercent", ramp_changed_at::text AS "rampChangedAt" FROM midair.migrations WHERE id = $1',
    [migrationId],
  );
  if (!m) return null;
  const breach = await breachNow(db, m, bounds);
  if (!breach) return null;
  const pulled = await db.transaction((tx) =>
    pullKillSwitch(tx, { id: migrationId, name: m.name }, { by: processActor(), reason: breach.reason, auto: breach.guard }, ['live'], { numbers: breach.numbers }),
  );
  return { migration: m.name, ...breach, pulled: pulled !== null };
}
