import { MidairRefusal } from '../../errors.js';
import { passed, refused, type Gate } from '../gate.js';

/**
 * rampdown serves every record from the new shape: it follows a ramp at 100%, never jumps there.
 * Not forceable: the way past it is `midair ramp <migration> 100`, forced if need be, on the record.
 */
export const fullRampGate: Gate = {
  name: 'at 100%',
  forceable: false,
  async check({ record }) {
    const numbers = { percent: record.rampPercent };
    if (record.rampPercent === 100) return passed(numbers);
    const killed = record.killed ? ` (its kill switch holds: ${record.killed.reason})` : '';
    return refused(new MidairRefusal('stage', `migration "${record.name}" is at ${record.rampPercent}%${killed}, and rampdown needs 100%`, `ramp up with \`midair ramp ${record.name} <percent>\` to 100 first`, numbers), numbers);
  },
};
