import { MidairRefusal } from '../../errors.js';
import { describeRate, readEvidence } from '../evidence.js';
import { passed, refused, type Gate } from '../gate.js';

/**
 * Going live needs evidence that the new shape answers like the old: enough compares in shadow
 * and a mismatch rate within bounds. A/A compares measure noise and are not counted.
 */
export const shadowComparesGate: Gate = {
  name: 'shadow compares',
  forceable: true,
  async check({ db, record, bounds }) {
    const { compares } = await readEvidence(db, record.id, { stage: 'shadow' });
    const numbers = { compares: compares.compares, mismatches: compares.mismatches, mismatchRate: compares.mismatchRate, minCompares: bounds.minShadowCompares, maxMismatchRate: bounds.maxMismatchRate };
    const name = `migration "${record.name}"`;
    if (compares.compares < bounds.minShadowCompares) {
      return refused(
        new MidairRefusal('evidence', `${name} has ${compares.compares} compares in shadow, fewer than the ${bounds.minShadowCompares} needed to go live (traffic.minShadowCompares)`, 'let the application clients read through Midair in shadow a while longer (`midair status` counts the compares)', numbers),
        numbers,
      );
    }
    if ((compares.mismatchRate ?? 0) > bounds.maxMismatchRate) {
      return refused(
        new MidairRefusal('evidence', `${name} mismatched in ${describeRate(compares.mismatchRate)} of its ${compares.compares} compares in shadow, more than the ${describeRate(bounds.maxMismatchRate)} allowed (traffic.maxMismatchRate)`, `look at \`midair mismatches ${record.name}\`, fix the migration or the application's readNew, or roll back`, numbers),
        numbers,
      );
    }
    return passed(numbers);
  },
};
