import type { Catalog } from '../../catalog/read.js';
import type { Queryable } from '../../db/executor.js';
import { readTableStatistics } from '../../estimate/statistics.js';
import { claimedTables, EVERY_TABLE } from '../../migration/claims.js';
import type { Migration } from '../../migration/types.js';
import type { TeamConfig } from '../team.js';

const DEFAULT_START_ROWS = 1_000_000;

/**
 * Why starting a migration is a risky step (team.risk.startRows; default 1,000,000, also without a team): the first existing
 * table it changes whose row estimate is above the threshold (or unknown: never analysed and too large
 * to count), or raw SQL that may touch any table; null when it is not risky.
 */
export async function startRisk(db: Queryable, team: TeamConfig | null, migration: Migration, catalog: Catalog): Promise<string | null> {
  const threshold = team?.risk?.startRows ?? DEFAULT_START_ROWS;
  const claimed = claimedTables(migration);
  if (claimed.includes(EVERY_TABLE)) return 'start (its raw SQL may touch any table)';
  for (const table of claimed) {
    if (!catalog.tables.some((t) => t.name === table)) continue;
    const { rows } = await readTableStatistics(db, catalog.schema, table);
    if (rows === null) return `start (table "${table}" is large and was never analysed)`;
    if (rows > threshold) return `start (table "${table}" has about ${Math.round(rows).toLocaleString('en-US')} rows, above team.risk.startRows ${threshold.toLocaleString('en-US')})`;
  }
  return null;
}
