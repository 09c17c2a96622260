import { MidairRefusal } from '../../errors.js';
import { judgeSchedule } from '../../people/schedule/guard.js';
import type { TeamConfig } from '../../people/team.js';
import { passed, refused, type Gate, type GateInput } from '../gate.js';

const SCHEDULE_GATE = 'schedule';
const DEFAULT_RAMP_ABOVE = 10;

/** Whether a move's gates hold the schedule guard: the risky moves (the playbook reads them here). */
export function judgesSchedule(gates: readonly Gate[]): boolean {
  return gates.some((g) => g.name === SCHEDULE_GATE);
}

/**
 * The schedule guard on a risky move (docs/people.md): refused in a freeze window or while a needed
 * person is away, on a public holiday or outside working hours. --force does not override it; the
 * rollback authority's --override does, on the record. No team: it passes.
 */
export function scheduleGate(what: string, risky: (input: GateInput) => boolean = () => true): Gate {
  return {
    name: SCHEDULE_GATE,
    forceable: false,
    people: true,
    async check(input) {
      if (!input.asker.team) return passed({ team: false });
      if (!risky(input)) return passed({ risky: false });
      try {
        const override = judgeSchedule(input.asker, input.record.definition, what);
        return { ...passed({ risky: true, overridden: override !== null }), ...(override ? { override } : {}) };
      } catch (error) {
        // Also a migration without owners, or an override by someone else: refused as this gate, so `midair gates` shows it.
        if (error instanceof MidairRefusal) return refused(error, { risky: true });
        throw error;
      }
    },
  };
}

/** A ramp step up from one percentage to another is risky above team.risk.rampAbove percent (default 10). */
export function riskyRamp(team: TeamConfig | null, from: number, to: number): boolean {
  return to > from && to > (team?.risk?.rampAbove ?? DEFAULT_RAMP_ABOVE);
}

export const scheduleRampGate = scheduleGate('this ramp step', ({ asker, percent, record }) => riskyRamp(asker.team, record.rampPercent, percent));
