import { PHASES, type Plan } from '../../migration/plan.js';
import { judgesSchedule, riskyRamp } from '../../stages/gates/schedule.js';
import { RAMP_GATES, TRANSITIONS } from '../../stages/machine.js';
import type { Gate } from '../../stages/gate.js';
import type { Stage } from '../../state/store.js';
import type { ApprovableStep, TeamConfig } from '../team.js';

/** The ramp steps a playbook walks through, as a rehearsal does: live at the first, then ramp to each. */
const PLAYBOOK_RAMP = [10, 50, 100] as const;

/** One step of the life cycle as an operator runs it: what to type, what it locks, what to check and watch, how to undo it. */
export interface LifecycleStep {
  /** Short title, e.g. "advance to shadow". */
  title: string;
  command: string;
  /** The locks its SQL takes, each with how many statements take it ("ACCESS EXCLUSIVE, catalog only × 3"), or what it holds instead. */
  locks: string[];
  /** What to run before it to see whether it may go, and the gates that command judges. */
  check: { command: string; gates: string[] };
  watch: string[];
  /** The exact commands that undo it, in order, and a note for people. */
  rollback: { commands: string[]; note: string };
  /** The rehearsal stage whose time is this step's expected duration. */
  rehearsalStage: string;
  /** The step an approval rule can name for it (null: none can). */
  approvable: ApprovableStep | null;
  /** A risky step (the schedule guard judges it): the secondary joins the call for it. */
  risky: boolean;
}

/** What makes the steps risky, as the schedule guard judges them. */
export interface StepRisk {
  team: TeamConfig | null;
  /** Why starting is risky (startRisk: a large table, raw SQL), or null when it is not. */
  start: string | null;
}

/**
 * The names of the evidence gates among `gates`: the people gates (approvals, the schedule) depend
 * on the team and the migration's rules, and the playbook names the people who approve by step.
 */
function evidenceGates(gates: readonly Gate[]): string[] {
  return gates.filter((g) => !g.people).map((g) => g.name);
}

function transitionGates(from: Stage, to: Stage): readonly Gate[] {
  return TRANSITIONS.find((t) => t.from === from && t.to === to)?.gates ?? [];
}

/** The gate names of the move from one stage to another, as the stage machine has them. */
function gatesOf(from: Stage, to: Stage): string[] {
  return evidenceGates(transitionGates(from, to));
}

/** Whether the schedule guard judges the move from one stage to another. */
function guarded(from: Stage, to: Stage): boolean {
  return judgesSchedule(transitionGates(from, to));
}

/** The distinct locks of the plan's phases, each with how many statements take it, in plan order. */
function locksOf(plan: Plan, phases: (typeof PHASES)[number]['key'][]): string[] {
  const counts = new Map<string, number>();
  for (const key of phases) for (const step of plan[key]) counts.set(step.lock, (counts.get(step.lock) ?? 0) + 1);
  if (counts.size === 0) return ['none: no SQL of its own'];
  return [...counts].map(([lock, n]) => (n === 1 ? lock : `${lock} × ${n}`));
}

/** The locks a rollback takes, from the plan; shown with every rollback. */
export function rollbackLocks(plan: Plan): string[] {
  return locksOf(plan, ['rollbackOnline', 'rollback']);
}

/**
 * The life cycle of a migration as the playbook lists it: start, backfill, verify, shadow, live and
 * each ramp step, rampdown, complete; each with its command, locks from the plan, the gates of
 * its move, what to watch and the exact rollback; risky where the schedule guard would judge it.
 */
export function lifecycleSteps(name: string, plan: Plan, risk: StepRisk): LifecycleStep[] {
  const gates = { command: `midair gates ${name}`, gates: [] as string[] };
  const rollback = { commands: [`midair rollback ${name}`], note: 'removes the new shape; every write is kept in the old one' };
  const killThenRollback = {
    commands: [`midair kill ${name} --reason "<why>"`, `midair rollback ${name}`],
    note: 'the kill switch sends every record back to the old shape within a second; then roll back, or resume with `midair advance ' + name + ' live --percent <n>` once the cause is fixed',
  };
  const noRowLocks = ['none: it changes a row of the control schema; application instances follow within a second'];
  const [first, ...ramps] = PLAYBOOK_RAMP;
  return [
    {
      title: 'start',
      command: `midair start ${name}`,
      locks: locksOf(plan, ['expand', 'expandOnline']),
      check: { command: `midair plan ${name}`, gates: [] },
      watch: ['lock waits on the tables it changes (each lock is tried for lockTimeoutMs, then retried)', "the application's errors and latency"],
      rollback,
      rehearsalStage: 'start',
      approvable: 'start',
      risky: risk.start !== null,
    },
    {
      title: 'backfill',
      command: `midair backfill ${name}`,
      locks: ['row locks of one batch at a time, no DDL'],
      check: { command: `midair status`, gates: [] },
      watch: ['progress and ETA in `midair status`', 'replication lag and application latency: the backfill slows itself down; `midair backfill pause ' + name + '` stops every worker'],
      rollback,
      rehearsalStage: 'backfill',
      approvable: null,
      risky: false,
    },
    {
      title: 'verify',
      command: `midair verify ${name}`,
      locks: ['none: it only reads'],
      check: { command: `midair status`, gates: [] },
      watch: ['the mismatches it prints (exit code 1 on any): fix them before going on'],
      rollback,
      rehearsalStage: 'verify',
      approvable: null,
      risky: false,
    },
    {
      title: 'advance to shadow',
      command: `midair advance ${name} shadow`,
      locks: noRowLocks,
      check: { ...gates, gates: gatesOf('expanded', 'shadow') },
      watch: [`the compares of old and new reads in \`midair mismatches ${name}\``],
      rollback,
      rehearsalStage: 'shadow',
      approvable: 'shadow',
      risky: guarded('expanded', 'shadow'),
    },
    {
      title: `advance to live at ${first}%`,
      command: `midair advance ${name} live --percent ${first}`,
      locks: noRowLocks,
      check: { ...gates, gates: gatesOf('shadow', 'live') },
      watch: [`the new shape's errors and latency in \`midair gates ${name}\``, `mismatches in \`midair mismatches ${name}\``, 'a guard that fires pulls the kill switch by itself'],
      rollback: killThenRollback,
      rehearsalStage: `live ${first}%`,
      approvable: 'live',
      risky: guarded('shadow', 'live'),
    },
    ...ramps.map((percent, i): LifecycleStep => ({
      title: `ramp to ${percent}%`,
      command: `midair ramp ${name} ${percent}`,
      locks: noRowLocks,
      check: { ...gates, gates: evidenceGates(RAMP_GATES) },
      watch: [`the new shape's errors and latency in \`midair gates ${name}\``, `mismatches in \`midair mismatches ${name}\``, 'a guard that fires pulls the kill switch by itself'],
      rollback: killThenRollback,
      rehearsalStage: `live ${percent}%`,
      approvable: 'ramp',
      risky: judgesSchedule(RAMP_GATES) && riskyRamp(risk.team, i === 0 ? first : ramps[i - 1]!, percent),
    })),
    {
      title: 'advance to rampdown',
      command: `midair advance ${name} rampdown`,
      locks: noRowLocks,
      check: { ...gates, gates: gatesOf('live', 'rampdown') },
      watch: ['every application instance must stop using the old shape: deploy the new release everywhere', `the gate "old shape unused" in \`midair gates ${name}\``],
      rollback: killThenRollback,
      rehearsalStage: 'rampdown',
      approvable: 'rampdown',
      risky: guarded('live', 'rampdown'),
    },
    {
      title: 'complete',
      command: `midair complete ${name}`,
      locks: locksOf(plan, ['validate', 'contract', 'contractOnline']),
      check: { ...gates, gates: gatesOf('rampdown', 'complete') },
      watch: ['lock waits on the tables while the old shape is dropped', "the application's errors"],
      rollback: { commands: [], note: `none: complete is irreversible. Until it runs, \`midair rollback ${name}\` undoes everything` },
      rehearsalStage: 'complete',
      approvable: 'complete',
      risky: guarded('rampdown', 'complete'),
    },
  ];
}
