import type { Queryable } from '../db/executor.js';
import { isoTime } from '../db/sql.js';
import type { Actor } from '../people/actor.js';
import { audit } from '../state/store.js';

/** A rehearsal that took place, as `midair rehearse --attendees` records it and the playbook reads it. */
export interface RehearsalRecord {
  migration: string;
  /** The definition rehearsed (checksumOf the migration). */
  checksum: string;
  /** ISO date-times. */
  startedAt: string;
  endedAt: string;
  /** The rehearsal's report was OK: no failed request, no lost write, no mismatch, every stage ran. */
  ok: boolean;
  /** Person ids of the team, in the order given. */
  attendees: string[];
  /** The database rehearsed on, without credentials. */
  database: string;
  /** How long each stage of the rehearsal took, in the order they ran. */
  stages: { stage: string; seconds: number }[];
}

/** Stores a rehearsal in the control schema, with an audit row naming who recorded it. */
export async function recordRehearsal(db: Queryable, actor: Actor, record: RehearsalRecord): Promise<void> {
  await db.query(
    `INSERT INTO midair.rehearsals (migration, checksum, started_at, ended_at, ok, attendees, database, stages, recorded_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [record.migration, record.checksum, record.startedAt, record.endedAt, record.ok, record.attendees, record.database, JSON.stringify(record.stages), actor.label],
  );
  await audit(db, actor, { action: 'rehearsal recorded', migration: record.migration, details: { checksum: record.checksum, attendees: record.attendees, ok: record.ok } });
}

/** The recorded rehearsals of a migration, newest first. */
export async function readRehearsals(db: Queryable, migration: string): Promise<RehearsalRecord[]> {
  const rows = await db.query<Omit<RehearsalRecord, 'migration'>>(
    `SELECT checksum, ${isoTime('started_at')} AS "startedAt", ${isoTime('ended_at')} AS "endedAt", ok, attendees, database, stages
       FROM midair.rehearsals WHERE migration = $1 ORDER BY started_at DESC, id DESC`,
    [migration],
  );
  return rows.map((r) => ({ migration, ...r }));
}
