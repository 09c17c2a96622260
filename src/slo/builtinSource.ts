import type { Queryable } from '../db/executor.js';
import { isoTime } from '../db/sql.js';
import type { Events } from './budget.js';
import type { MinuteEvents, SliKind, SliSource } from './source.js';

/**
 * The columns of midair.service_minutes that count a kind's good and total events: latency is judged
 * only on the requests tracked with a latency, so one tracked without it is not a slow one. Instances
 * of a Midair before `timed` add fast requests but no timed ones while a fleet upgrades: `least`
 * keeps a minute's fast requests within its timed ones, never a latency SLI above 100%.
 */
const COLUMNS: Record<SliKind, { good: string; total: string }> = { availability: { good: 'good', total: 'total' }, latency: { good: 'least(fast, timed)', total: 'timed' } };

/** The SLI of requests the service's instances tracked themselves (midair.track, midair.middleware()), per minute in the control schema. */
export function builtinSource(db: Queryable, service: string): SliSource {
  return {
    name: 'built-in',
    async events(kind, from, to): Promise<Events> {
      const { good, total } = COLUMNS[kind];
      const [row] = await db.query<{ good: number; total: number }>(
        `SELECT coalesce(sum(${good}), 0)::float8 AS good, coalesce(sum(${total}), 0)::float8 AS total
           FROM midair.service_minutes WHERE service = $1 AND minute >= $2 AND minute < $3`,
        [service, from.toISOString(), to.toISOString()],
      );
      return { good: row!.good, total: row!.total };
    },
    async minutes(kind, from, to): Promise<MinuteEvents[]> {
      const { good, total } = COLUMNS[kind];
      const rows = await db.query<{ minute: string; good: number; total: number }>(
        `SELECT ${isoTime('minute')} AS minute, ${good}::float8 AS good, ${total}::float8 AS total
           FROM midair.service_minutes WHERE service = $1 AND minute >= $2 AND minute < $3 AND ${total} > 0 ORDER BY minute`,
        [service, from.toISOString(), to.toISOString()],
      );
      return rows.map((r) => ({ minute: new Date(r.minute), good: r.good, total: r.total }));
    },
  };
}
