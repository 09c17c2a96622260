import type { Queryable } from '../db/executor.js';
import { MidairError } from '../errors.js';
import { readEvidence, type CompareEvidence } from '../stages/evidence.js';
import { latestByName, type Stage } from '../state/store.js';

export interface StoredMismatch {
  id: number;
  at: string;
  instance: string;
  stage: Stage;
  key: string;
  old: unknown;
  new: unknown;
  /** From an A/A run (old compared with itself): noise, not a difference of the shapes. */
  aa: boolean;
}

export interface MismatchesResult {
  migration: string;
  stage: Stage;
  /** Every compare the clients reported over the migration's life (old against new, and A/A). */
  compares: CompareEvidence;
  aa: CompareEvidence;
  /** Mismatches stored with their values (each instance stores its first ones only). */
  stored: number;
  mismatches: StoredMismatch[];
}

/** The first mismatches the application clients stored for a migration (by name, active or not). */
export async function readMismatches(db: Queryable, name: string, limit = 20): Promise<MismatchesResult> {
  if (!Number.isInteger(limit) || limit < 1) throw new MidairError(`--limit ${limit} is not a positive whole number`, 'e.g. --limit 50');
  const record = await latestByName(db, name);
  if (!record) throw new MidairError(`no migration named "${name}" was ever started here`, 'see `midair status` for the migrations of this database');
  const evidence = await readEvidence(db, record.id);
  const [stored] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM midair.client_mismatches WHERE migration_id = $1', [record.id]);
  const mismatches = await db.query<StoredMismatch>(
    `SELECT id::int AS id, at::text AS at, instance_id AS instance, stage, key, old_value AS "old", new_value AS "new", aa
       FROM midair.client_mismatches WHERE migration_id = $1 ORDER BY id LIMIT $2`,
    [record.id, limit],
  );
  return { migration: record.name, stage: record.stage, compares: evidence.compares, aa: evidence.aa, stored: stored?.n ?? 0, mismatches };
}
