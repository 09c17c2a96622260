import type { Queryable } from '../db/executor.js';
import type { Plan } from '../migration/plan.js';
import type { MigrationRecord } from '../state/store.js';
import type { Asker, Gate, GateInput, TrafficBounds } from './gate.js';
import { RAMP_GATES, rampOf, TRANSITIONS, verdicts } from './machine.js';
import type { Stage } from './stage.js';

export interface GateReport {
  name: string;
  forceable: boolean;
  passed: boolean;
  /** Why it refuses, and what to do (null when it passes). */
  message: string | null;
  hint: string | null;
  numbers: Record<string, number | string | boolean | null>;
}

export interface MoveReport {
  /** The stage the move goes to, or "ramp" for a step up of a live migration's ramp. */
  to: Stage | 'ramp';
  /** The command that makes the move. */
  command: string;
  /** True when every gate passes. */
  open: boolean;
  /** What holds the move besides its gates (the kill switch), or null. */
  note: string | null;
  gates: GateReport[];
}

async function report(gates: readonly Gate[], input: GateInput): Promise<GateReport[]> {
  return (await verdicts(gates, input)).map(({ gate, verdict }) => ({
    name: gate.name,
    forceable: gate.forceable,
    passed: verdict.refusal === null,
    message: verdict.refusal?.message ?? null,
    hint: verdict.refusal?.hint ?? null,
    numbers: verdict.numbers,
  }));
}

/**
 * The moves a migration can make forward from where it is, each with every gate's verdict and
 * numbers (`midair gates`). Ramp steps are judged as a step up to 100%, i.e. any step up.
 */
export async function nextMoves(db: Queryable, record: MigrationRecord, plan: Plan, bounds: TrafficBounds, asker: Asker): Promise<MoveReport[]> {
  const name = record.name;
  const input = (percent: number): GateInput => ({ db, record, plan, bounds, percent, asker });
  const moves: MoveReport[] = [];
  const add = async (to: MoveReport['to'], command: string, gates: readonly Gate[], percent: number, note: string | null = null) => {
    const reports = await report(gates, input(percent));
    moves.push({ to, command, open: note === null && reports.every((g) => g.passed), note, gates: reports });
  };
  if (record.stage === 'live' && record.rampPercent < 100) {
    await add('ramp', `midair ramp ${name} <percent>`, RAMP_GATES, 100, record.killed ? `the kill switch holds: \`midair advance ${name} live --percent <percent>\` resumes through these gates` : null);
  }
  for (const t of TRANSITIONS) {
    if (t.from !== record.stage || t.to === 'rolling_back' || t.to === 'expanded') continue;
    const resume = t.from === t.to;
    if (resume && !record.killed) continue;
    if (resume && t.to === 'live') {
      await add('live', `midair advance ${name} live --percent <percent>`, t.gates, 100, null);
      continue;
    }
    const command = `midair advance ${name} ${t.to}${t.to === 'live' ? ' [--percent <percent>]' : ''}`;
    await add(t.to, command, t.gates, rampOf(record, t.to, undefined) ?? record.rampPercent);
  }
  return moves;
}
