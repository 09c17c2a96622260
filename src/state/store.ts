import type { Queryable } from '../db/executor.js';
import { literal } from '../db/sql.js';
import type { Catalog } from '../catalog/read.js';
import type { Migration } from '../migration/types.js';
import type { Actor } from '../people/actor.js';
import { ENDED_STAGES, type Stage } from '../stages/stage.js';

export type { Stage };

export interface MigrationRecord {
  id: number;
  name: string;
  schema: string;
  versionSchema: string;
  stage: Stage;
  definition: Migration;
  catalog: Catalog;
  checksum: string;
  file: string | null;
  startedAt: string;
  stageChangedAt: string;
  endedAt: string | null;
  /** The share of records routed to the new shape while live (0-100). */
  rampPercent: number;
  rampChangedAt: string;
  /** Set while the kill switch holds: every record goes to the old shape until `midair advance`. */
  killed: Killed | null;
}

/** Who pulled the kill switch and why; `auto` names the guard that pulled it by itself. */
export interface Killed {
  by: string;
  reason: string;
  at: string;
  auto?: string;
  /** The ramp percentage it was pulled at: resuming may go back up to it. */
  fromPercent?: number;
}

const COLUMNS = `id::int AS id, name, schema, version_schema AS "versionSchema", stage, definition, catalog, checksum, file,
  started_at::text AS "startedAt", stage_changed_at::text AS "stageChangedAt", ended_at::text AS "endedAt",
  ramp_percent::float8 AS "rampPercent", ramp_changed_at::text AS "rampChangedAt", killed`;

/** The schema's active migrations, oldest first. */
export async function activeMigrations(db: Queryable, schema: string): Promise<MigrationRecord[]> {
  return db.query<MigrationRecord>(
    `SELECT ${COLUMNS} FROM midair.migrations WHERE schema = $1 AND stage NOT IN (${ENDED_STAGES.map(literal).join(', ')}) ORDER BY id`,
    [schema],
  );
}

export async function latestByName(db: Queryable, name: string): Promise<MigrationRecord | undefined> {
  const rows = await db.query<MigrationRecord>(`SELECT ${COLUMNS} FROM midair.migrations WHERE name = $1 ORDER BY id DESC LIMIT 1`, [name]);
  return rows[0];
}

export async function lastCompleted(db: Queryable, schema: string): Promise<MigrationRecord | undefined> {
  const rows = await db.query<MigrationRecord>(
    `SELECT ${COLUMNS} FROM midair.migrations WHERE schema = $1 AND stage = 'complete' ORDER BY ended_at DESC, id DESC LIMIT 1`,
    [schema],
  );
  return rows[0];
}

export async function history(db: Queryable, schema: string): Promise<MigrationRecord[]> {
  return db.query<MigrationRecord>(`SELECT ${COLUMNS} FROM midair.migrations WHERE schema = $1 ORDER BY id`, [schema]);
}

export async function insertMigration(
  db: Queryable,
  actor: Actor,
  m: { name: string; schema: string; versionSchema: string; definition: Migration; catalog: Catalog; checksum: string; file: string | null },
  /** More for the start's audit row, e.g. a schedule override. */
  details: Record<string, unknown> = {},
): Promise<number> {
  const rows = await db.query<{ id: number }>(
    `INSERT INTO midair.migrations (name, schema, version_schema, stage, definition, catalog, checksum, file)
     VALUES ($1, $2, $3, 'expanding', $4, $5, $6, $7) RETURNING id::int AS id`,
    [m.name, m.schema, m.versionSchema, JSON.stringify(m.definition), JSON.stringify(m.catalog), m.checksum, m.file],
  );
  await audit(db, actor, { action: 'start', migration: m.name, fromStage: 'planned', toStage: 'expanding', details: { file: m.file, ...details } });
  return rows[0]!.id;
}

/** Writes one audit row: who acted (the verified person, if any, and how they were verified) and what they did. */
export async function audit(
  db: Queryable,
  actor: Actor,
  entry: { action: string; migration?: string; fromStage?: string; toStage?: string; details?: Record<string, unknown> },
): Promise<void> {
  await db.query(
    `INSERT INTO midair.audit_log (actor, person, verified_by, action, migration, from_stage, to_stage, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [actor.label, actor.person, actor.via, entry.action, entry.migration ?? null, entry.fromStage ?? null, entry.toStage ?? null, JSON.stringify(entry.details ?? {})],
  );
}
