import { MidairRefusal } from '../../errors.js';
import { passed, refused, type Gate } from '../gate.js';

/** While the kill switch holds, every record is served from the old shape: completing would drop it. */
export const notKilledGate: Gate = {
  name: 'not killed',
  forceable: false,
  async check({ record }) {
    const numbers = { killed: record.killed !== null };
    if (!record.killed) return passed(numbers);
    return refused(
      new MidairRefusal('killed', `the kill switch of migration "${record.name}" holds (pulled by ${record.killed.by} at ${record.killed.at}: ${record.killed.reason}), so every record is on the old shape`, `resume with \`midair advance ${record.name} ${record.stage}\`, or roll back`),
      numbers,
    );
  },
};
