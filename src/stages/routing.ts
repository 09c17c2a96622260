import type { Queryable } from '../db/executor.js';
import { latestByName, type Killed } from '../state/store.js';
import type { Stage } from './stage.js';

/**
 * The one notification channel of routing: every change of a migration's stage, ramp, kill switch
 * or canary sets notifies it (in the change's own transaction, so listeners never see it early),
 * with the migration's name as payload. Application clients LISTEN on it and poll as a fallback.
 */
export const ROUTING_CHANNEL = 'midair_routing';

export async function notifyRouting(tx: Queryable, migration: string): Promise<void> {
  await tx.query('SELECT pg_notify($1, $2)', [ROUTING_CHANNEL, migration]);
}

/** What an application client routes a migration's records by. */
export interface RoutingState {
  migration: string;
  migrationId: number;
  stage: Stage;
  rampPercent: number;
  killed: Killed | null;
  /** Every key of every canary set. */
  canary: ReadonlySet<string>;
  /** The base schema (the old shape) and the version schema (the new shape). */
  schema: string;
  versionSchema: string;
  lazy: boolean;
}

/** The routing of a migration by name, or null when the control schema never heard of it. */
export async function readRouting(db: Queryable, migration: string): Promise<RoutingState | null> {
  const record = await latestByName(db, migration);
  if (!record) return null;
  const keys = await db.query<{ key: string }>('SELECT DISTINCT key FROM midair.canary_keys WHERE migration_id = $1', [record.id]);
  return {
    migration: record.name,
    migrationId: record.id,
    stage: record.stage,
    rampPercent: record.rampPercent,
    killed: record.killed,
    canary: new Set(keys.map((k) => k.key)),
    schema: record.schema,
    versionSchema: record.versionSchema,
    lazy: record.definition.lazy === true,
  };
}
