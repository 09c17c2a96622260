import type { Queryable } from '../db/executor.js';
import type { Killed } from '../state/store.js';
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

/**
 * The routing of a migration by name, or null when the control schema never heard of it. Every
 * instance reads it on each notification and poll: only the routing columns, never the stored
 * definition and catalog.
 */
export async function readRouting(db: Queryable, migration: string): Promise<RoutingState | null> {
  const [row] = await db.query<Omit<RoutingState, 'canary'> & { canary: string[] }>(
    `SELECT m.name AS migration, m.id::int AS "migrationId", m.stage, m.ramp_percent::float8 AS "rampPercent", m.killed,
            m.schema, m.version_schema AS "versionSchema", coalesce((m.definition->>'lazy')::boolean, false) AS lazy,
            ARRAY(SELECT DISTINCT key FROM midair.canary_keys WHERE migration_id = m.id) AS canary
       FROM midair.migrations m WHERE m.name = $1 ORDER BY m.id DESC LIMIT 1`,
    [migration],
  );
  return row ? { ...row, canary: new Set(row.canary) } : null;
}
