import type { Queryable } from '../db/executor.js';
import type { MidairRefusal } from '../errors.js';
import type { Plan } from '../migration/plan.js';
import type { MigrationRecord } from '../state/store.js';

/** What a gate looks at: the migration, its plan and the database as it is now. */
export interface GateInput {
  db: Queryable;
  record: MigrationRecord;
  plan: Plan;
}

/** A condition for moving a migration to its next stage (DESIGN.md: Gate). */
export interface Gate {
  /** Whether `--force --reason` may override it; never for a gate that guards against losing writes. */
  forceable: boolean;
  /** The refusal that holds now, or null when the move may go on. */
  check(input: GateInput): Promise<MidairRefusal | null>;
}
