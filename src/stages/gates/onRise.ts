import { passed, type Gate } from '../gate.js';

/**
 * A ramp gate on a move that is not `midair ramp` (a resume after the kill switch, shadow -> live at a
 * percent): it judges only a move that raises the migration's share of traffic, which is a ramp step too.
 */
export function onRise(gate: Gate): Gate {
  return { ...gate, check: async (input) => (input.percent > input.record.rampPercent ? gate.check(input) : passed({ rise: false })) };
}
