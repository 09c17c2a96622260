import type { Executor, Queryable } from '../db/executor.js';
import { MidairRefusal } from '../errors.js';
import type { Plan } from '../migration/plan.js';
import { releaseClaims } from '../state/claims.js';
import { audit, type MigrationRecord } from '../state/store.js';
import type { Gate } from './gate.js';
import { driftGate } from './gates/drift.js';
import { syncedGate } from './gates/synced.js';
import { verifiedGate } from './gates/verified.js';
import { notifyRouting } from './routing.js';
import { ENDED_STAGES, NEXT_STEP, WORK_ALLOWED, type Stage, type Work } from './stage.js';

export interface Transition {
  from: Stage;
  to: Stage;
  /** The audit log's name for the move. */
  action: string;
  /** Checked in order before the move; the first that says no refuses it. */
  gates: Gate[];
}

/** Every move a migration can make. A move not in this list is refused. */
export const TRANSITIONS: readonly Transition[] = [
  { from: 'expanding', to: 'expanded', action: 'expanded', gates: [] },
  { from: 'expanded', to: 'complete', action: 'complete', gates: [syncedGate, verifiedGate, driftGate('complete')] },
  { from: 'expanding', to: 'rolling_back', action: 'rollback', gates: [driftGate('rollback')] },
  { from: 'expanded', to: 'rolling_back', action: 'rollback', gates: [driftGate('rollback')] },
  { from: 'shadow', to: 'rolling_back', action: 'rollback', gates: [driftGate('rollback')] },
  { from: 'live', to: 'rolling_back', action: 'rollback', gates: [driftGate('rollback')] },
  { from: 'rampdown', to: 'rolling_back', action: 'rollback', gates: [driftGate('rollback')] },
  { from: 'rolling_back', to: 'rolled_back', action: 'rolled back', gates: [] },
];

/** An operator's override of the forceable gates, recorded with the move. */
export interface Force {
  reason: string;
}

/** A move whose gates passed (or were overridden); only `gate` makes one, only `advance` takes one. */
export interface Passage {
  transition: Transition;
  /** The refusals `force` overrode, with its reason; recorded in the audit log. */
  forced: { reason: string; overridden: string[] } | null;
}

function transitionOf(record: MigrationRecord, to: Stage): Transition {
  const transition = TRANSITIONS.find((t) => t.from === record.stage && t.to === to);
  if (!transition) throw new MidairRefusal('stage', `migration "${record.name}" is ${record.stage}, so it cannot become ${to}`, NEXT_STEP[record.stage]);
  return transition;
}

/**
 * Checks the gates of moving a migration from its stage to `to`, before any of the move's work
 * runs. With `force`, forceable refusals are overridden and kept for the audit log.
 */
export async function gate(db: Queryable, record: MigrationRecord, plan: Plan, to: Stage, force?: Force): Promise<Passage> {
  const transition = transitionOf(record, to);
  if (force && !force.reason.trim()) throw new MidairRefusal('stage', '--force needs --reason "<why>"', 'the reason is recorded in the audit log with the override');
  const overridden: string[] = [];
  for (const g of transition.gates) {
    const refusal = await g.check({ db, record, plan });
    if (!refusal) continue;
    if (!force || !g.forceable) throw refusal;
    overridden.push(refusal.message);
  }
  return { transition, forced: force ? { reason: force.reason, overridden } : null };
}

/**
 * Moves a migration, inside the transaction `tx` that carries the move's own work: updates its row
 * WHERE stage = from, which must match exactly one row (else another operator moved it first and
 * this move is refused, rolling the transaction back), writes the audit row and notifies the
 * application clients (they see the move when it commits).
 */
export async function advance(tx: Queryable, record: MigrationRecord, passage: Passage, details: Record<string, unknown> = {}): Promise<void> {
  const { from, to, action } = passage.transition;
  const ended = ENDED_STAGES.includes(to);
  const moved = await tx.query<{ id: number }>(
    `UPDATE midair.migrations SET stage = $3, stage_changed_at = now()${ended ? ', ended_at = now()' : ''} WHERE id = $1 AND stage = $2 RETURNING id`,
    [record.id, from, to],
  );
  if (moved.length !== 1) {
    const [now] = await tx.query<{ stage: Stage }>('SELECT stage FROM midair.migrations WHERE id = $1', [record.id]);
    throw new MidairRefusal('raced', `migration "${record.name}" is no longer ${from}: another operator moved it to ${now?.stage ?? 'nowhere'} first`, 'see `midair status`');
  }
  if (ended) await releaseClaims(tx, record.id);
  await audit(tx, { action, migration: record.name, fromStage: from, toStage: to, details: passage.forced ? { ...details, forced: passage.forced } : details });
  await notifyRouting(tx, record.name);
  record.stage = to;
}

/** A move with no work of its own: gates, then advance in a transaction of its own. */
export async function move(db: Executor, record: MigrationRecord, plan: Plan, to: Stage, options: { force?: Force; details?: Record<string, unknown> } = {}): Promise<Passage> {
  const passage = await gate(db, record, plan, to, options.force);
  await db.transaction((tx) => advance(tx, record, passage, options.details));
  return passage;
}

/** For the operator: what --force overrode, and that it is on record. */
export function describeForced(forced: NonNullable<Passage['forced']>): string {
  return `forced past: ${forced.overridden.join('; ') || 'nothing (every check passed)'}; reason "${forced.reason}" recorded in the audit log`;
}

/** Refuses work (backfill, verify, pause) that the migration's stage does not allow. */
export function requireStageFor(work: Work, record: MigrationRecord): void {
  if (!WORK_ALLOWED[work].includes(record.stage)) {
    throw new MidairRefusal('stage', `migration "${record.name}" is ${record.stage}, so \`${work}\` cannot run now`, NEXT_STEP[record.stage]);
  }
}
