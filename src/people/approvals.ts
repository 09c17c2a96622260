import type { Queryable } from '../db/executor.js';
import { MidairError, MidairRefusal } from '../errors.js';
import type { Migration } from '../migration/types.js';
import type { Asker } from '../stages/gate.js';
import type { Stage } from '../state/store.js';
import type { Actor } from './actor.js';
import { unverifiedRefusal } from './authority.js';
import { peopleOf } from './migrationPeople.js';
import { APPROVABLE_STEPS, type ApprovableStep, type ApprovalRule, type TeamConfig } from './team.js';

/** One migration as approvals see it: an approval holds for its definition (checksum) at its stage only. */
export interface Approved {
  name: string;
  /** The active migration's id; null before it is started (its start step). */
  id: number | null;
  definition: Migration;
  checksum: string;
  stage: Stage | 'planned';
}

export interface Approval {
  id: number;
  step: ApprovableStep;
  person: string;
  verifiedBy: string;
  comment: string | null;
  givenAt: string;
  checksum: string;
  stage: string;
  /** Null while it holds; else why it no longer does. */
  expired: string | null;
}

/** The steps that can be taken next from a stage, so the ones an approval given now can be for. */
export function stepsFrom(stage: Stage | 'planned'): ApprovableStep[] {
  const next: Record<Stage | 'planned', ApprovableStep[]> = {
    planned: ['start'],
    expanding: [],
    expanded: ['shadow', 'complete'],
    // ramp: `advance live --percent` above 0 is a ramp step too.
    shadow: ['live', 'ramp'],
    live: ['ramp', 'rampdown'],
    rampdown: ['complete'],
    rolling_back: [],
    complete: [],
    rolled_back: [],
  };
  return next[stage];
}

interface Row {
  person: string;
  checksum: string;
  stage: string;
  migrationId: number | null;
  /** For a start approval: the latest run of the name when it was given, and now. */
  latestRun: number | null;
  latestNow: number | null;
}

function expiry(row: Row, target: Approved, team: TeamConfig): string | null {
  if (!team.people[row.person]) return `"${row.person}" is no longer a person of the team`;
  if (row.checksum !== target.checksum) return `the definition changed since (checksum ${row.checksum}, now ${target.checksum})`;
  if (row.stage !== target.stage || row.migrationId !== target.id) return `given while ${row.stage}; the migration is ${target.stage} now`;
  if (row.latestRun !== row.latestNow) return `given before the migration was last started (run ${row.latestNow}); a start approval holds for one start`;
  return null;
}

/** Every approval given for the migration's name, newest last, each saying whether it still holds. */
export async function approvalsOf(db: Queryable, target: Approved, team: TeamConfig): Promise<Approval[]> {
  const rows = await db.query<Omit<Approval, 'expired'> & Omit<Row, 'person' | 'checksum' | 'stage'>>(
    `SELECT id::int AS id, step, person, verified_by AS "verifiedBy", comment, given_at::text AS "givenAt", checksum, stage, migration_id::int AS "migrationId",
            latest_run::int AS "latestRun", (SELECT max(id)::int FROM midair.migrations WHERE name = $1) AS "latestNow"
       FROM midair.approvals WHERE migration = $1 ORDER BY id`,
    [target.name],
  );
  return rows.map(({ migrationId, latestRun, latestNow, ...row }) => ({ ...row, expired: expiry({ ...row, migrationId, latestRun: migrationId === null ? latestRun : null, latestNow: migrationId === null ? latestNow : null }, target, team) }));
}

/** Whether an approval counts for a step's rule: it has not expired and its person is one the rule takes. */
function holdsUnder(rule: Pick<ApprovalRule, 'from'>, approval: Approval): boolean {
  return approval.expired === null && (!rule.from || rule.from.includes(approval.person));
}

/** The steps of a migration that need approval, how many, from whom, and who approved so far. */
export interface Needed {
  step: ApprovableStep;
  count: number;
  from: string[] | null;
  /** The people whose approvals hold now (each counts once, and only if `from` lists them). */
  approvedBy: string[];
}

export function neededOf(team: TeamConfig, target: Approved, approvals: readonly Approval[]): Needed[] {
  return Object.entries(peopleOf(team, target.definition).approvals).map(([step, rule]) => {
    const holding = approvals.filter((a) => a.step === step && holdsUnder(rule, a));
    return { step: step as ApprovableStep, count: rule.count, from: rule.from ?? null, approvedBy: [...new Set(holding.map((a) => a.person))] };
  });
}

/**
 * Whether `asker` may run `step` of the migration as far as approvals go: the step's rule (from
 * peopleOf; complete needs one by default) counts the approvals that hold now from people other
 * than the one who runs it (separation of duties). Null: it may, or no team is configured.
 */
export async function approvalRefusal(db: Queryable, asker: Asker, target: Approved, step: ApprovableStep): Promise<{ refusal: MidairRefusal | null; numbers: Record<string, number> }> {
  if (!asker.team) return { refusal: null, numbers: {} };
  const rule = peopleOf(asker.team, target.definition).approvals[step];
  if (!rule) return { refusal: null, numbers: {} };
  const approvals = (await approvalsOf(db, target, asker.team)).filter((a) => a.step === step);
  const runner = asker.actor.person;
  const holding = approvals.filter((a) => holdsUnder(rule, a));
  const counted = new Set(holding.filter((a) => a.person !== runner).map((a) => a.person));
  const numbers = { approvals: counted.size, needed: rule.count };
  if (counted.size >= rule.count) return { refusal: null, numbers };
  const other = runner ? `someone other than ${runner}` : 'someone of the team';
  const from = rule.from ? ` (from ${rule.from.join(', ')})` : '';
  const notes: string[] = [];
  if (runner && holding.some((a) => a.person === runner)) notes.push(`${runner}'s own approval does not count: the one who runs a step cannot approve it`);
  const expired = approvals.filter((a) => a.expired !== null).length;
  if (expired) notes.push(`${expired} earlier approval(s) expired (the definition or the stage changed since, the migration was started again, or the approver left the team)`);
  const message = `migration "${target.name}" needs ${rule.count} approval(s) of ${step} by ${other}${from}, has ${counted.size}${notes.length ? `; ${notes.join('; ')}` : ''}`;
  return { refusal: new MidairRefusal('approval', message, `ask someone to run \`midair approve ${target.name} ${step}\`; \`midair approvals ${target.name}\` lists what holds`), numbers };
}

/** Refuses the step unless its approvals hold (see approvalRefusal). */
export async function requireApprovals(db: Queryable, asker: Asker, target: Approved, step: ApprovableStep): Promise<void> {
  const { refusal } = await approvalRefusal(db, asker, target, step);
  if (refusal) throw refusal;
}

/** The step named on the command line, checked against what the migration can do next. */
export function approvableStep(value: string, target: Approved, team: TeamConfig): ApprovableStep {
  const step = APPROVABLE_STEPS.find((s) => s === value);
  if (!step) throw new MidairError(`"${value}" is not a step that takes approvals`, `give one of: ${APPROVABLE_STEPS.join(', ')}`);
  const rules = peopleOf(team, target.definition).approvals;
  if (!rules[step]) {
    throw new MidairError(`step ${step} of migration "${target.name}" needs no approval`, `steps that do: ${Object.keys(rules).join(', ')} (approvals in the migration file or team.migrations.${target.name}.approvals)`);
  }
  const next = stepsFrom(target.stage);
  if (!next.includes(step)) {
    throw new MidairError(`migration "${target.name}" is ${target.stage}, so ${step} is not one of its next steps; an approval holds only at the stage it is given in`, next.length ? `approve ${next.join(' or ')} now, or ${step} once the migration gets there` : 'there is nothing left to approve');
  }
  return step;
}

/** Records an approval by a verified person (listed in the rule's `from`, if it has one); answers its id. */
export async function giveApproval(db: Queryable, actor: Actor, team: TeamConfig, target: Approved, step: ApprovableStep, comment: string | null, now: Date): Promise<number> {
  if (actor.person === null) throw unverifiedRefusal(actor, 'approve');
  const rule = peopleOf(team, target.definition).approvals[step]!;
  if (rule.from && !rule.from.includes(actor.person)) {
    throw new MidairRefusal('not allowed', `"${actor.person}" may not approve ${step} of migration "${target.name}": only ${rule.from.join(', ')} may`, `ask one of them, or add "${actor.person}" to approvals.${step}.from`);
  }
  const [row] = await db.query<{ id: number }>(
    `INSERT INTO midair.approvals (migration, migration_id, step, checksum, stage, person, verified_by, comment, given_at, latest_run)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $2::bigint IS NULL THEN (SELECT max(id) FROM midair.migrations WHERE name = $1) END) RETURNING id::int AS id`,
    [target.name, target.id, step, target.checksum, target.stage, actor.person, actor.via, comment, now],
  );
  return row!.id;
}
