import pg from 'pg';
import type { Executor, Queryable, Stage } from '../../src/index.js';

/**
 * Moves a migration's routing the way the operator's commands will (stage, ramp, kill switch,
 * canary sets), by plain SQL and a notification on the routing channel in the same transaction.
 * Tests of the client use it to put a migration in any routing state without passing the gates
 * (which test/traffic*.test.ts cover); the one place they change routing.
 */
export interface RoutingChange {
  stage?: Stage;
  percent?: number;
  /** A kill switch to pull (who and why), or null to release it. */
  killed?: { by: string; reason: string } | null;
  /** Canary keys to add, in set "canary". */
  canary?: string[];
}

async function apply(tx: Queryable, migration: string, change: RoutingChange): Promise<void> {
  const [row] = await tx.query<{ id: number }>('SELECT id::int AS id FROM midair.migrations WHERE name = $1 ORDER BY id DESC LIMIT 1', [migration]);
  if (!row) throw new Error(`no migration "${migration}"`);
  if (change.stage !== undefined) await tx.query('UPDATE midair.migrations SET stage = $2, stage_changed_at = now() WHERE id = $1', [row.id, change.stage]);
  if (change.percent !== undefined) await tx.query('UPDATE midair.migrations SET ramp_percent = $2, ramp_changed_at = now() WHERE id = $1', [row.id, change.percent]);
  if (change.killed !== undefined) {
    const killed = change.killed && { ...change.killed, at: new Date().toISOString() };
    await tx.query('UPDATE midair.migrations SET killed = $2 WHERE id = $1', [row.id, killed && JSON.stringify(killed)]);
  }
  for (const key of change.canary ?? []) {
    await tx.query(`INSERT INTO midair.canary_keys (migration_id, set_name, key, added_by) VALUES ($1, 'canary', $2, 'test') ON CONFLICT DO NOTHING`, [row.id, key]);
  }
  await tx.query("SELECT pg_notify('midair_routing', $1)", [migration]);
}

/**
 * Applies a change in one transaction, on a connection of its own to `database` (a URL) or on an
 * open handle (the embedded database has only one); resolves with the time (epoch ms) it committed.
 */
export async function changeRouting(database: string | Executor, migration: string, change: RoutingChange): Promise<number> {
  if (typeof database !== 'string') {
    await database.transaction((tx) => apply(tx, migration, change));
    return Date.now();
  }
  const client = new pg.Client(database);
  await client.connect();
  try {
    await client.query('BEGIN');
    await apply({ query: async (sql, params) => (await client.query(sql, params)).rows, exec: async (sql) => void (await client.query(sql)) }, migration, change);
    await client.query('COMMIT');
    return Date.now();
  } finally {
    await client.end();
  }
}
