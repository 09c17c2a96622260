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
