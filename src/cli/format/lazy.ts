import type { LazyTableProgress } from '../../backfill/lazyProgress.js';
import { formatCount, formatSeconds } from './duration.js';

/** A lazy migration's progress per table, for `midair status`: "users: 1,200/5,000 migrated (24%), ...". */
export function formatLazyProgress(tables: LazyTableProgress[]): string[] {
  return tables.map((t) => {
    const share = t.total > 0 ? ` (${Math.floor((100 * t.migrated) / t.total)}%)` : '';
    const rate = t.naturalPerDay === null ? 'no rate yet' : `${formatCount(t.naturalPerDay)}/day over the last ${formatSeconds(t.rateWindowDays * 86_400)}`;
    return `  lazy ${t.table}: ${formatCount(t.migrated)}/${formatCount(t.total)} rows migrated${share}, ${formatCount(t.pending)} to go; moved by the application ${formatCount(t.movedNaturally)} (${rate}), by backfill/migrate-rows ${formatCount(t.movedByMidair)}, since ${t.since}`;
  });
}
