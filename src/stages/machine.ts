import type { Executor, Queryable } from '../db/executor.js';
import { MidairError, MidairRefusal } from '../errors.js';
import type { Plan } from '../migration/plan.js';
import { releaseClaims } from '../state/claims.js';
import { audit, type MigrationRecord } from '../state/store.js';
import type { OverrideRecord } from '../people/schedule/guard.js';
import type { Asker, Gate, GateInput, TrafficBounds, Verdict } from './gate.js';
import { approvalsGate } from './gates/approvals.js';
import { backfilledGate } from './gates/backfilled.js';
import { budgetGate, budgetRampGate } from './gates/budget.js';
import { driftGate } from './gates/drift.js';
import { fullRampGate } from './gates/fullRamp.js';
import { notKilledGate } from './gates/notKilled.js';
import { oldUnusedGate } from './gates/oldUnused.js';
import { onRise } from './gates/onRise.js';
import { rampWindowGate } from './gates/rampWindow.js';
import { resumeGate } from './gates/resume.js';
import { scheduleGate, scheduleRampGate } from './gates/schedule.js';
import { shadowComparesGate } from './gates/shadowCompares.js';
import { soakGate } from './gates/soak.js';
import { syncedGate } from './gates/synced.js';
import { undoableGate } from './gates/undoable.js';
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

/** The gates of a step up of the ramp (`midair ramp`). */
export const RAMP_GATES: readonly Gate[] = [approvalsGate('ramp'), soakGate('step up'), rampWindowGate, scheduleRampGate, budgetRampGate];

const COMPLETE_GATES: Gate[] = [approvalsGate('complete'), syncedGate, verifiedGate, driftGate('complete'), scheduleGate('complete'), budgetGate('complete')];
const ROLLBACK_GATES: Gate[] = [undoableGate, driftGate('rollback')];

/**
 * Every move a migration can make. A move not in this list is refused. A move from a stage to
 * itself resumes it after the kill switch (and is refused when the switch does not hold).
 */
export const TRANSITIONS: readonly Transition[] = [
  { from: 'expanding', to: 'expanded', action: 'expanded', gates: [] },
  { from: 'expanded', to: 'shadow', action: 'shadow', gates: [approvalsGate('shadow'), backfilledGate] },
  { from: 'expanded', to: 'complete', action: 'complete', gates: COMPLETE_GATES },
  { from: 'shadow', to: 'live', action: 'live', gates: [approvalsGate('live'), onRise(approvalsGate('ramp')), verifiedGate, shadowComparesGate, scheduleGate('the move to live'), budgetGate('the move to live')] },
  { from: 'live', to: 'rampdown', action: 'rampdown', gates: [approvalsGate('rampdown'), fullRampGate, soakGate('always')] },
  { from: 'rampdown', to: 'complete', action: 'complete', gates: [notKilledGate, oldUnusedGate, ...COMPLETE_GATES] },
  { from: 'shadow', to: 'shadow', action: 'resume', gates: [] },
  { from: 'live', to: 'live', action: 'resume', gates: [resumeGate, onRise(approvalsGate('ramp')), scheduleRampGate, budgetRampGate] },
  // Every record goes back to the new shape at once: the operator's call, as rampdown gathers no compares.
  { from: 'rampdown', to: 'rampdown', action: 'resume', gates: [] },
  { from: 'expanding', to: 'rolling_back', action: 'rollback', gates: ROLLBACK_GATES },
  { from: 'expanded', to: 'rolling_back', action: 'rollback', gates: ROLLBACK_GATES },
  { from: 'shadow', to: 'rolling_back', action: 'rollback', gates: ROLLBACK_GATES },
  { from: 'live', to: 'rolling_back', action: 'rollback', gates: ROLLBACK_GATES },
  { from: 'rampdown', to: 'rolling_back', action: 'rollback', gates: ROLLBACK_GATES },
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
  /** What the rollback authority's schedule override let go, with its reason; recorded in the audit log. */
  override: OverrideRecord | null;
  /** The ramp percentage the move sets, releasing the kill switch; null: ramp and kill switch stay as they are. */
  ramp: number | null;
  /** When the kill switch was pulled as the gates saw it (null: not pulled); a kill after that refuses the move. */
  killedAt: string | null;
  /** Who makes the move: named in its audit row. */
  actor: Asker['actor'];
}

export interface GateOptions {
  bounds: TrafficBounds;
  /** Who asks for the move (the people gates judge them; the audit row names them). */
  asker: Asker;
  force?: Force;
  /** The ramp percentage of a move to live (default 0); no other move takes one. */
  percent?: number;
}

/** The ramp a move sets: moves into the traffic stages set one (and release the kill switch), the others keep it. */
export function rampOf(record: MigrationRecord, to: Stage, percent: number | undefined): number | null {
  if (percent !== undefined && to !== 'live') {
    throw new MidairError(`--percent applies to a move to live, not to ${to}`, `leave --percent out, or ramp a live migration with \`midair ramp ${record.name} <percent>\``);
  }
  if (to === 'shadow') return 0;
  if (to === 'live') return percent ?? 0;
  if (to === 'rampdown') return 100;
  return null;
}

function transitionOf(record: MigrationRecord, to: Stage): Transition {
  const transition = TRANSITIONS.find((t) => t.from === record.stage && t.to === to);
  if (!transition) throw new MidairRefusal('stage', `migration "${record.name}" is ${record.stage}, so it cannot become ${to}`, NEXT_STEP[record.stage]);
  if (transition.from === transition.to && !record.killed) {
    const hint = to === 'live' ? `change its ramp with \`midair ramp ${record.name} <percent>\`` : NEXT_STEP[record.stage];
    throw new MidairRefusal('stage', `migration "${record.name}" is ${to} already, and its kill switch does not hold: there is nothing to resume`, hint);
  }
  return transition;
}

/** What each gate says about a move, none overridden; for `midair gates`, which shows them all (the people gates only with a team, the budget gate only with services). */
export async function verdicts(gates: readonly Gate[], input: GateInput): Promise<{ gate: Gate; verdict: Verdict }[]> {
  const out: { gate: Gate; verdict: Verdict }[] = [];
  const judged = (g: Gate) => (input.asker.team || !g.people) && (Object.keys(input.asker.budgets.services).length > 0 || !g.budgets);
  for (const g of gates.filter(judged)) out.push({ gate: g, verdict: await g.check(input) });
  return out;
}

/** What passing the gates took: the --force override and the schedule override, each null when not asked for. */
type Overrides = Pick<Passage, 'forced' | 'override'>;

/** An override without a reason is refused: the reason is what the audit log keeps. */
export function requireReason(force: Force | undefined): void {
  if (force && !force.reason.trim()) throw new MidairRefusal('stage', '--force needs --reason "<why>"', 'the reason is recorded in the audit log with the override');
}

/**
 * Checks gates in order: the first refusal that `force` may not override is thrown; with `force`,
 * forceable refusals are overridden and returned for the audit log, as is what a schedule override let go.
 */
export async function checkGates(gates: readonly Gate[], input: GateInput, force?: Force): Promise<Overrides> {
  requireReason(force);
  const overridden: string[] = [];
  let override: OverrideRecord | null = null;
  for (const g of gates) {
    const verdict = await g.check(input);
    override = verdict.override ?? override;
    if (!verdict.refusal) continue;
    if (!force || !g.forceable) throw verdict.refusal;
    overridden.push(verdict.refusal.message);
  }
  return { forced: force ? { reason: force.reason, overridden } : null, override };
}

/**
 * Checks the gates of moving a migration from its stage to `to`, before any of the move's work
 * runs. With `force`, forceable refusals are overridden and kept for the audit log.
 */
export async function gate(db: Queryable, record: MigrationRecord, plan: Plan, to: Stage, options: GateOptions): Promise<Passage> {
  const transition = transitionOf(record, to);
  const ramp = rampOf(record, to, options.percent);
  const input: GateInput = { db, record, plan, bounds: options.bounds, percent: ramp ?? record.rampPercent, asker: options.asker };
  const { forced, override } = await checkGates(transition.gates, input, options.force);
  return { transition, forced, override, ramp, killedAt: record.killed?.at ?? null, actor: options.asker.actor };
}

/**
 * Moves a migration, inside the transaction `tx` that carries the move's own work: updates its row
 * WHERE stage = from, which must match exactly one row (else another operator moved it first and
 * this move is refused, rolling the transaction back), writes the audit row and notifies the
 * application clients (they see the move when it commits).
 */
export async function advance(tx: Queryable, record: MigrationRecord, passage: Passage, details: Record<string, unknown> = {}): Promise<void> {
  const { from, to, action } = passage.transition;
  const { ramp } = passage;
  const ended = ENDED_STAGES.includes(to);
  const sets = [from !== to ? 'stage = $3, stage_changed_at = now()' : 'stage = $3'];
  if (ended) sets.push('ended_at = now()');
  if (ramp !== null) sets.push('ramp_percent = $5', 'ramp_changed_at = now()', 'killed = NULL');
  const moved = await tx.query<{ id: number }>(
    `UPDATE midair.migrations SET ${sets.join(', ')}
      WHERE id = $1 AND stage = $2 AND (killed->>'at') IS NOT DISTINCT FROM $4 RETURNING id`,
    ramp === null ? [record.id, from, to, passage.killedAt] : [record.id, from, to, passage.killedAt, ramp],
  );
  if (moved.length !== 1) {
    const [now] = await tx.query<{ stage: Stage }>('SELECT stage FROM midair.migrations WHERE id = $1', [record.id]);
    if (now?.stage === from) {
      throw new MidairRefusal('killed', `the kill switch of migration "${record.name}" was pulled while this move was checked`, `see \`midair status\`; \`midair advance ${record.name} ${from}\` resumes`);
    }
    throw new MidairRefusal('raced', `migration "${record.name}" is no longer ${from}: another operator moved it to ${now?.stage ?? 'nowhere'} first`, 'see `midair status`');
  }
  if (ended) await releaseClaims(tx, record.id);
  const moveDetails = { ...details, ...(ramp !== null ? { rampPercent: ramp, ...(passage.killedAt ? { released: record.killed } : {}) } : {}) };
  await audit(tx, passage.actor, { action, migration: record.name, fromStage: from, toStage: to, details: { ...moveDetails, ...(passage.forced ? { forced: passage.forced } : {}), ...(passage.override ? { override: passage.override } : {}) } });
  await notifyRouting(tx, record.name);
  record.stage = to;
  if (ramp !== null) {
    record.rampPercent = ramp;
    record.killed = null;
  }
}

/** A move with no work of its own: gates, then advance in a transaction of its own. */
export async function move(db: Executor, record: MigrationRecord, plan: Plan, to: Stage, options: GateOptions & { details?: Record<string, unknown> }): Promise<Passage> {
  const passage = await gate(db, record, plan, to, options);
  await db.transaction((tx) => advance(tx, record, passage, options.details));
  return passage;
}

/** For the operator: what --force overrode, and that it is on record. */
export function describeForced(forced: NonNullable<Passage['forced']>): string {
  return `forced past: ${forced.overridden.join('; ') || 'nothing (every check passed)'}; reason "${forced.reason}" recorded in the audit log`;
}

/** For the operator: what the schedule override let go, and that it is on record. */
export function describeOverride(override: OverrideRecord): string {
  return `schedule guard overridden: ${override.overridden.join('; ')}; reason "${override.reason}" recorded in the audit log`;
}

/** Refuses work (backfill, verify, pause) that the migration's stage does not allow. */
export function requireStageFor(work: Work, record: MigrationRecord): void {
  if (!WORK_ALLOWED[work].includes(record.stage)) {
    throw new MidairRefusal('stage', `migration "${record.name}" is ${record.stage}, so \`${work}\` cannot run now`, NEXT_STEP[record.stage]);
  }
}
