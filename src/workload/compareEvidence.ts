import type { Queryable } from '../db/executor.js';
import { latestByName } from '../state/store.js';

/** What the Midair client's compares of the two shapes found during a run. */
export interface CompareEvidence {
  /** Reads of both shapes compared, over every instance. */
  total: number;
  mismatches: number;
  /** Compares that could not be made (the other side's read or `compare` threw). */
  errors: number;
  /** The first mismatched records, as the client logged them. */
  first: { key: string; stage: string; instanceId: string }[];
}

export const NO_COMPARES: CompareEvidence = { total: 0, mismatches: 0, errors: 0, first: [] };

const FIRST = 10;

/**
 * The compares the client instances stored for `migration` in the control schema (their metrics
 * and the first mismatches they logged, A/A noise measurements left out). Read after the instances
 * closed, so their last flush is in.
 */
export async function readCompareEvidence(db: Queryable, migration: string): Promise<CompareEvidence> {
  const record = await latestByName(db, migration);
  if (!record) return NO_COMPARES;
  const [sums] = await db.query<{ total: number; mismatches: number; errors: number }>(
    `SELECT coalesce(sum(calls), 0)::int AS total, coalesce(sum(mismatches), 0)::int AS mismatches, coalesce(sum(errors), 0)::int AS errors
       FROM midair.client_metrics WHERE migration_id = $1 AND kind = 'compare'`,
    [record.id],
  );
  const first = await db.query<{ key: string; stage: string; instanceId: string }>(
    `SELECT key, stage, instance_id AS "instanceId" FROM midair.client_mismatches WHERE migration_id = $1 AND NOT aa ORDER BY at, id LIMIT ${FIRST}`,
    [record.id],
  );
  return { ...sums!, first };
}
