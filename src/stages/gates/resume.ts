import { MidairRefusal } from '../../errors.js';
import { passed, refused, type Gate } from '../gate.js';

/**
 * Resuming live after the kill switch. Killed instances compare nothing, so there is no evidence
 * of the time killed to judge: after an operator's kill, resuming may go back up to the percentage
 * the switch was pulled at (steps above it go through `midair ramp` and its gates, on the
 * evidence of the resumed step). After a guard pulled it, the guard's evidence says something is
 * wrong: resuming needs `--force --reason`, on record.
 */
export const resumeGate: Gate = {
  name: 'resume',
  forceable: true,
  async check({ record, percent }) {
    const killed = record.killed;
    if (!killed) return passed();
    const fromPercent = killed.fromPercent ?? 0;
    const numbers = { percent, fromPercent, guard: killed.auto ?? null };
    if (killed.auto) {
      return refused(
        new MidairRefusal('killed', `the guard "${killed.auto}" pulled the kill switch of migration "${record.name}" at ${killed.at}: ${killed.reason}`, `find out why (\`midair mismatches ${record.name}\`, the application's logs), then resume with \`midair advance ${record.name} live --percent ${Math.min(percent, fromPercent)} --force --reason "<what was fixed>"\``, numbers),
        numbers,
      );
    }
    if (percent > fromPercent) {
      return refused(
        new MidairRefusal('evidence', `migration "${record.name}" was killed at ${fromPercent}%: resuming may go back up to that, not to ${percent}%`, `resume with \`midair advance ${record.name} live --percent ${fromPercent}\`, then ramp up through the ramp gates`, numbers),
        numbers,
      );
    }
    return passed(numbers);
  },
};
