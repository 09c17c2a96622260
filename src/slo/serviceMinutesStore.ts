import type { Queryable } from '../db/executor.js';
import type { MinuteCount } from './requestCounts.js';

/**
 * Adds an instance's counts to midair.service_minutes: every instance of a service adds to the same minute
 * rows, so each takes their locks in minute order (ORDER BY): two taking them in opposite orders deadlock.
 */
export async function addServiceMinutes(db: Queryable, service: string, counts: MinuteCount[]): Promise<void> {
  if (counts.length === 0) return;
  await db.query(
    `INSERT INTO midair.service_minutes AS s (service, minute, total, good, timed, fast)
     SELECT $1, to_timestamp(r.minute / 1000.0), r.total, r.good, r.timed, r.fast
       FROM jsonb_to_recordset($2::jsonb) AS r(minute double precision, total bigint, good bigint, timed bigint, fast bigint)
      ORDER BY r.minute
     ON CONFLICT (service, minute) DO UPDATE
       SET total = s.total + EXCLUDED.total, good = s.good + EXCLUDED.good, timed = s.timed + EXCLUDED.timed, fast = s.fast + EXCLUDED.fast`,
    [service, JSON.stringify(counts)],
  );
}
