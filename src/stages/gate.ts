import type { TrafficConfig } from '../config/define.js';
import type { Queryable } from '../db/executor.js';
import type { MidairRefusal } from '../errors.js';
import type { Plan } from '../migration/plan.js';
import type { Actor } from '../people/actor.js';
import type { Override, OverrideRecord } from '../people/schedule/guard.js';
import type { TeamConfig } from '../people/team.js';
import type { ServiceConfig } from '../slo/services.js';
import type { MigrationRecord } from '../state/store.js';

/** The bounds that traffic gates and guards judge evidence by (config `traffic`, with defaults). */
export type TrafficBounds = Required<TrafficConfig>;

/** What the budget gate judges a risky move by (config `services` and `slo.minBudgetLeft`). */
export interface Budgets {
  /** Empty: no budgets are judged, and the budget gate passes. */
  services: Record<string, ServiceConfig>;
  /** A risky move is refused while a service has less budget left than this, in percent. */
  minBudgetLeft: number;
}

/**
 * Who asks for a move, under which team and services, at what time: what the people gates
 * (approvals, schedule) and the budget gate judge.
 */
export interface Asker {
  actor: Actor;
  /** Null: no team is configured, and the people gates pass. */
  team: TeamConfig | null;
  budgets: Budgets;
  now: Date;
  /** The rollback authority's override of the schedule guard, if asked for (--override --reason). */
  override?: Override;
}

/** What a gate looks at: the migration, its plan and the database as it is now, and who asks. */
export interface GateInput {
  db: Queryable;
  record: MigrationRecord;
  plan: Plan;
  bounds: TrafficBounds;
  /** The ramp percentage the move leaves the migration at (its current one when the move keeps it). */
  percent: number;
  asker: Asker;
}

/** A gate's answer, with the numbers it judged (printed by `midair gates` whether it passes or not). */
export interface Verdict {
  /** The refusal that holds now, or null when the move may go on. */
  refusal: MidairRefusal | null;
  numbers: Record<string, number | string | boolean | null>;
  /** What an accepted schedule override let go (the move goes on; its audit row records this). */
  override?: OverrideRecord;
}

/** A condition for moving a migration to its next stage (DESIGN.md: Gate). */
export interface Gate {
  /** Short name for people and scripts, e.g. "verified", "shadow compares". */
  name: string;
  /** Whether `--force --reason` may override it; never for a gate that guards against losing writes. */
  forceable: boolean;
  /** A gate of the people side (e.g. the schedule guard): it passes, and `midair gates` leaves it out, when no team is configured. */
  people?: boolean;
  /** A gate of error budgets: it passes, and `midair gates` leaves it out, when no services are configured. */
  budgets?: boolean;
  check(input: GateInput): Promise<Verdict>;
}

export function passed(numbers: Verdict['numbers'] = {}): Verdict {
  return { refusal: null, numbers };
}

export function refused(refusal: MidairRefusal, numbers: Verdict['numbers'] = {}): Verdict {
  return { refusal, numbers };
}
