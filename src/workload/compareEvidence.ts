import type { Midair } from '../midair.js';
import { latestByName } from '../state/store.js';

/** What the Midair client's compares of the two shapes found during a run. */
export interface CompareEvidence {
  /** Reads of both shapes compared (old against new), over every instance. */
  total: number;
  mismatches: number;
  /** Compares that could not be judged (the other side's read or `compare` threw). */
  errors: number;
  /** The first mismatched records, as the client stored them. */
  first: { key: string; stage: string; instanceId: string }[];
}

const NO_COMPARES: CompareEvidence = { total: 0, mismatches: 0, errors: 0, first: [] };

const FIRST = 10;

/**
 * The compares the client instances reported for `migration` (`midair mismatches`), A/A noise
 * measurements left out. Read after the instances closed, so their last flush is in.
 */
export async function readCompareEvidence(midair: Midair, migration: string): Promise<CompareEvidence> {
  // A run that failed before start recorded the migration has no evidence to read.
  if (!(await latestByName(midair.db, migration))) return NO_COMPARES;
  const found = await midair.mismatches(migration, { limit: FIRST });
  return {
    total: found.compares.compares,
    mismatches: found.compares.mismatches,
    errors: found.compares.errors,
    first: found.mismatches.filter((m) => !m.aa).map((m) => ({ key: m.key, stage: m.stage, instanceId: m.instance })),
  };
}
