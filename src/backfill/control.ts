import type { Queryable } from '../db/executor.js';
import type { Actor } from '../people/actor.js';
import { audit, type MigrationRecord } from '../state/store.js';

/** Workers read this flag before each range they claim, so a pause takes effect within one batch. */
export async function setPaused(db: Queryable, record: MigrationRecord, paused: boolean, actor: Actor): Promise<void> {
  await db.query(
    `INSERT INTO midair.backfill_control (migration_id, paused, changed_by) VALUES ($1, $2, $3)
     ON CONFLICT (migration_id) DO UPDATE SET paused = excluded.paused, changed_by = excluded.changed_by, changed_at = now()`,
    [record.id, paused, actor.label],
  );
  await audit(db, actor, { action: paused ? 'backfill paused' : 'backfill resumed', migration: record.name });
}

/**
 * Pauses a backfill in progress (a table not walked to its end) unless it is paused already, in one
 * statement, so of many guards at once exactly one pauses it and writes the audit row (with
 * `details`: why); returns whether this call paused it. `by` is what workers report they wait for.
 */
export async function pauseInProgress(tx: Queryable, record: { id: number; name: string }, actor: Actor, by: string, details: Record<string, unknown>): Promise<boolean> {
  const paused = await tx.query(
    `INSERT INTO midair.backfill_control AS k (migration_id, paused, changed_by)
     SELECT $1, true, $2 WHERE EXISTS (SELECT 1 FROM midair.backfill_checkpoints WHERE migration_id = $1 AND NOT done)
     ON CONFLICT (migration_id) DO UPDATE SET paused = true, changed_by = excluded.changed_by, changed_at = now() WHERE NOT k.paused
     RETURNING migration_id`,
    [record.id, by],
  );
  if (paused.length === 0) return false;
  await audit(tx, actor, { action: 'backfill paused', migration: record.name, details });
  return true;
}
