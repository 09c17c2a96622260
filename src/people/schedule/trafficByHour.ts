import type { Queryable } from '../../db/executor.js';

/**
 * Measured application traffic by hour of the day (UTC): the mean calls served in each hour over the days
 * the clients reported (midair.client_metrics, every migration); null when nothing was ever measured.
 */
export async function trafficByHour(db: Queryable): Promise<number[] | null> {
  const rows = await db.query<{ hour: number; calls: number }>(
    `SELECT extract(hour FROM bucket_start AT TIME ZONE 'UTC')::int AS hour,
            sum(calls)::float8 / count(DISTINCT (bucket_start AT TIME ZONE 'UTC')::date) AS calls
       FROM midair.client_metrics WHERE kind IN ('read', 'write') GROUP BY 1`,
  );
  if (!rows.length) return null;
  const perHour = Array.from({ length: 24 }, () => 0);
  for (const r of rows) perHour[r.hour] = r.calls;
  return perHour;
}

/** The mean calls per hour over a stretch of time, each hour of the day weighted by the minutes of it the stretch covers. */
export function meanCallsPerHour(perHour: readonly number[], start: Date, end: Date): number {
  let weighted = 0;
  let at = start.getTime();
  while (at < end.getTime()) {
    const hourEnd = Math.min(end.getTime(), (Math.floor(at / 3_600_000) + 1) * 3_600_000);
    weighted += perHour[new Date(at).getUTCHours()]! * (hourEnd - at);
    at = hourEnd;
  }
  return end > start ? weighted / (end.getTime() - start.getTime()) : 0;
}
