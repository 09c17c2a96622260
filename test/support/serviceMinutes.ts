import type { Queryable } from '../../src/db/executor.js';

/** One minute of a service's requests, `minutesAgo` before `now`, as instances would have flushed it. */
export interface ServiceMinute {
  minutesAgo: number;
  total: number;
  good: number;
}

/** Writes minutes of requests of `service` into midair.service_minutes, relative to `now` (an injected clock). */
export async function addMinutes(db: Queryable, service: string, now: Date, minutes: ServiceMinute[]): Promise<void> {
  for (const m of minutes) {
    const minute = new Date(now.getTime() - m.minutesAgo * 60_000);
    minute.setUTCSeconds(0, 0);
    await db.query(
      `INSERT INTO midair.service_minutes (service, minute, total, good, fast) VALUES ($1, $2, $3, $4, 0)
       ON CONFLICT (service, minute) DO UPDATE SET total = midair.service_minutes.total + excluded.total, good = midair.service_minutes.good + excluded.good`,
      [service, minute.toISOString(), m.total, m.good],
    );
  }
}
