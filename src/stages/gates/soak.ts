import { MidairRefusal } from '../../errors.js';
import { passed, refused, type Gate } from '../gate.js';

/**
 * Time at the current ramp step (since ramp_changed_at) before the next one, so that problems that
 * take a while to show (caches, batch jobs, rare records) get the chance. `stepUp` judges only a
 * step up (ramping down is always allowed); `always` judges any move (rampdown).
 */
export function soakGate(when: 'step up' | 'always'): Gate {
  return {
    name: 'soak',
    forceable: true,
    async check({ db, record, bounds, percent }) {
      if (when === 'step up' && percent <= record.rampPercent) return passed({ stepUp: false });
      const [row] = await db.query<{ seconds: number }>('SELECT extract(epoch FROM now() - ramp_changed_at)::float8 AS seconds FROM midair.migrations WHERE id = $1', [record.id]);
      const seconds = Math.floor(row?.seconds ?? 0);
      const numbers = { percent: record.rampPercent, soakedSeconds: seconds, minSoakSeconds: bounds.minSoakSeconds };
      if (seconds >= bounds.minSoakSeconds) return passed(numbers);
      return refused(
        new MidairRefusal('soak', `migration "${record.name}" has been at ${record.rampPercent}% for ${seconds}s, less than the ${bounds.minSoakSeconds}s it must soak at a step (traffic.minSoakSeconds)`, `wait ${bounds.minSoakSeconds - seconds}s and try again`, numbers),
        numbers,
      );
    },
  };
}
