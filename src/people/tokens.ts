import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/executor.js';
import { MidairError } from '../errors.js';
import type { TeamConfig } from './team.js';

/** Only this is stored: a token cannot be read back from the control schema. */
export function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new personal token: 32 random bytes, prefixed so that it is recognisable in a secret scanner. */
export function newToken(): string {
  return `midair_${randomBytes(32).toString('base64url')}`;
}

/** Stores a token's hash for a person; answers its id. */
export async function storeToken(db: Queryable, person: string, token: string, createdBy: string, now: Date): Promise<number> {
  const [row] = await db.query<{ id: number }>(
    'INSERT INTO midair.tokens (person, hash, created_at, created_by) VALUES ($1, $2, $3, $4) RETURNING id::int AS id',
    [person, hashOf(token), now, createdBy],
  );
  return row!.id;
}

/**
 * The person a token stands for. A token that is unknown, revoked, or of someone no longer in the
 * team is an error that says so: never a silent fallback to another identity.
 */
export async function personOfToken(db: Queryable, team: TeamConfig, token: string, source: string): Promise<string> {
  const [row] = await db.query<{ id: number; person: string; revokedAt: string | null; revokedBy: string | null }>(
    'SELECT id::int AS id, person, revoked_at::text AS "revokedAt", revoked_by AS "revokedBy" FROM midair.tokens WHERE hash = $1',
    [hashOf(token)],
  );
  const again = 'run `midair login` for a new token (or unset MIDAIR_TOKEN to be identified by your PostgreSQL role)';
  if (!row) throw new MidairError(`the token in ${source} is not a token of this database: it is wrong, or was issued for another database`, again);
  if (row.revokedAt) throw new MidairError(`the token in ${source} (token ${row.id} of "${row.person}") was revoked at ${row.revokedAt} by ${row.revokedBy}`, again);
  if (!team.people[row.person]) throw new MidairError(`the token in ${source} is "${row.person}"'s, who is no longer in team.people`, `add "${row.person}" back to the team, or ${again}`);
  return row.person;
}

/** Revokes a person's tokens, or one token by id; answers the ids revoked (none: nothing to revoke). */
export async function revokeTokens(db: Queryable, target: { person: string } | { tokenId: number }, revokedBy: string, now: Date): Promise<{ id: number; person: string }[]> {
  const [where, param] = 'person' in target ? ['person = $1', target.person] : ['id = $1', target.tokenId];
  return db.query<{ id: number; person: string }>(
    `UPDATE midair.tokens SET revoked_at = $2, revoked_by = $3 WHERE ${where} AND revoked_at IS NULL RETURNING id::int AS id, person`,
    [param, now, revokedBy],
  );
}

/** A token's owner, revoked or not; null when there is no such token. */
export async function tokenOwner(db: Queryable, tokenId: number): Promise<string | null> {
  const [row] = await db.query<{ person: string }>('SELECT person FROM midair.tokens WHERE id = $1', [tokenId]);
  return row?.person ?? null;
}
