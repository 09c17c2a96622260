import type { Queryable } from '../db/executor.js';
import { MidairRefusal } from '../errors.js';
import { EVERY_TABLE } from '../migration/claims.js';

// Any fixed 64-bit number: claims are checked and taken one start at a time.
const CLAIM_LOCK = 7_305_114_203;

/** Active migrations that hold a claim on one of `tables` (or on every table, or `tables` is every table). */
async function conflictingClaims(db: Queryable, schema: string, migration: string, tables: string[]): Promise<{ table: string; migration: string }[]> {
  return db.query<{ table: string; migration: string }>(
    `SELECT c.table_name AS table, m.name AS migration FROM midair.table_claims c JOIN midair.migrations m ON m.id = c.migration_id
      WHERE c.schema = $1 AND m.name <> $2 AND (c.table_name = ANY ($3) OR c.table_name = $4 OR $4 = ANY ($3))
      ORDER BY c.table_name`,
    [schema, migration, tables, EVERY_TABLE],
  );
}

/** Refuses a migration that would change a table another active migration has claimed, naming it. */
export async function refuseClaimed(db: Queryable, schema: string, migration: string, tables: string[]): Promise<void> {
  const conflicts = await conflictingClaims(db, schema, migration, tables);
  if (conflicts.length === 0) return;
  const named = conflicts.map((c) => (c.table === EVERY_TABLE ? `every table (migration "${c.migration}" runs raw SQL)` : `"${c.table}" (migration "${c.migration}")`));
  throw new MidairRefusal(
    'claimed',
    `migration "${migration}" changes tables another active migration is changing: ${named.join(', ')}`,
    `complete or roll back "${conflicts[0]!.migration}" first, then start "${migration}"`,
  );
}

/**
 * Claims the tables for a migration, in the transaction that expands it: while it is active, no
 * other migration may change them. A claim ends when the migration does (see stages/machine.ts).
 */
export async function claimTables(tx: Queryable, schema: string, migration: { id: number; name: string }, tables: string[]): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [CLAIM_LOCK]);
  await refuseClaimed(tx, schema, migration.name, tables);
  await tx.query(
    `INSERT INTO midair.table_claims (schema, table_name, migration_id) SELECT $1, t, $2 FROM unnest($3::text[]) t`,
    [schema, migration.id, tables],
  );
}

/** Ends a migration's claims, in the transaction that ends the migration. */
export async function releaseClaims(tx: Queryable, migrationId: number): Promise<void> {
  await tx.query('DELETE FROM midair.table_claims WHERE migration_id = $1', [migrationId]);
}
