import { MidairRefusal } from '../../errors.js';
import { describeRate, readEvidence } from '../evidence.js';
import { passed, refused, type Gate } from '../gate.js';

/**
 * A step up of the ramp needs a clean last window of the current step: enough compares to judge,
 * a mismatch rate and a new-shape error rate within bounds. Ramping down is always allowed.
 */
export const rampWindowGate: Gate = {
  name: 'ramp window',
  forceable: true,
  async check({ db, record, bounds, percent }) {
    if (percent <= record.rampPercent) return passed({ stepUp: false });
    // The current step's own evidence: not the step before it, nor time spent killed.
    const evidence = await readEvidence(db, record.id, { windowSeconds: bounds.windowSeconds, stage: record.stage, rampPercent: record.rampPercent, since: record.rampChangedAt });
    const { compares } = evidence;
    const numbers = {
      windowSeconds: bounds.windowSeconds,
      compares: compares.compares,
      mismatches: compares.mismatches,
      mismatchRate: compares.mismatchRate,
      newCalls: evidence.new.calls,
      newErrors: evidence.new.errors,
      newErrorRate: evidence.new.errorRate,
      minCompares: bounds.minWindowCalls,
      maxMismatchRate: bounds.maxMismatchRate,
      maxErrorRate: bounds.maxErrorRate,
    };
    const window = `the last ${bounds.windowSeconds}s of migration "${record.name}" at ${record.rampPercent}%`;
    const refuse = (message: string, hint: string) => refused(new MidairRefusal('evidence', message, hint, numbers), numbers);
    if (compares.compares < bounds.minWindowCalls) {
      return refuse(`${window} hold ${compares.compares} compares, fewer than the ${bounds.minWindowCalls} needed to judge a step up (traffic.minWindowCalls)`, 'wait for more traffic through the Midair client (`midair status` counts the compares)');
    }
    if ((compares.mismatchRate ?? 0) > bounds.maxMismatchRate) {
      return refuse(`${window} mismatched in ${describeRate(compares.mismatchRate)} of ${compares.compares} compares, more than the ${describeRate(bounds.maxMismatchRate)} allowed (traffic.maxMismatchRate)`, `look at \`midair mismatches ${record.name}\`; ramping down is always allowed`);
    }
    if ((evidence.new.errorRate ?? 0) > bounds.maxErrorRate) {
      return refuse(`${window} had new-shape errors in ${describeRate(evidence.new.errorRate)} of ${evidence.new.calls} calls, more than the ${describeRate(bounds.maxErrorRate)} allowed (traffic.maxErrorRate)`, 'look at the application logs for errors of the new shape; ramping down is always allowed');
    }
    return passed(numbers);
  },
};
