import type { Queryable } from '../db/executor.js';
import { MidairError, MidairRefusal } from '../errors.js';
import { audit } from '../state/store.js';
import { identifyByRole, type Actor } from './actor.js';
import type { TeamConfig } from './team.js';
import { newToken, revokeTokens, storeToken, tokenOwner } from './tokens.js';

/** The session as login sees it: its role, the person the role maps to, and whether it administers Midair. */
interface Session {
  role: string;
  person: string | null;
  /**
   * A superuser. Not the owner of the midair schema: with one shared role that would be every
   * operator, and anyone could mint a token for anyone.
   */
  admin: boolean;
}

async function sessionOf(db: Queryable, team: TeamConfig): Promise<Session> {
  const [row] = await db.query<{ role: string; admin: boolean }>(
    `SELECT session_user::text AS role, (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) AS admin`,
  );
  return { role: row!.role, admin: row!.admin, person: (await identifyByRole(db, team))?.person ?? null };
}

/** Who an action on tokens is by, for the audit log and the tokens table. */
function actorOf(session: Session): Actor {
  return session.person ? { person: session.person, via: 'role', label: session.person } : { person: null, via: null, label: `role "${session.role}" (administrator)` };
}

export interface LoginResult {
  person: string;
  tokenId: number;
  /** Shown once: only its hash is kept. */
  token: string;
  /** Who issued it: the person themself, or an administrator's role. */
  issuedBy: string;
  /** Whether it is for the person the session's role maps to: only such a token may be saved, or the issuer would act as someone else. */
  own: boolean;
}

/**
 * Issues a personal token for `person` (default: the one the session's role maps to). Issued by
 * the person themself, verified by their role, or by an administrator (a superuser), audited with who issued it.
 */
export async function issueToken(db: Queryable, team: TeamConfig, now: Date, person?: string): Promise<LoginResult> {
  const session = await sessionOf(db, team);
  const target = person ?? session.person;
  if (!target) {
    throw new MidairError(`role "${session.role}" is not any person's in team.people.<id>.roles, so \`midair login\` cannot tell whom the token is for`, 'name the person with --person <id> (an administrator may issue for anyone), or connect as your own role');
  }
  if (!team.people[target]) throw new MidairError(`"${target}" is not a person of the team (team.people has ${Object.keys(team.people).map((p) => `"${p}"`).join(', ')})`, 'give a person id from team.people');
  if (target !== session.person && !session.admin) {
    throw new MidairRefusal('not allowed', `role "${session.role}" may not issue a token for "${target}": a person logs in as themself (connecting as a role in their team.people.<id>.roles), or an administrator issues it`, 'ask an administrator (a PostgreSQL superuser) to run `midair login --person ' + target + '`');
  }
  const by = actorOf(session);
  const token = newToken();
  const tokenId = await storeToken(db, target, token, by.label, now);
  await audit(db, by, { action: 'login', details: { person: target, tokenId, issuedBy: by.label } });
  return { person: target, tokenId, token, issuedBy: by.label, own: target === session.person };
}

export interface RevokeResult {
  /** The tokens revoked now (none: they were revoked already). */
  revoked: { id: number; person: string }[];
  revokedBy: string;
}

/**
 * Revokes one token (by its id) or every token of a person. Allowed to the person themself
 * (verified by role or by a token of theirs) and to an administrator; audited.
 */
export async function revokeToken(db: Queryable, team: TeamConfig, actor: Actor, what: string, now: Date): Promise<RevokeResult> {
  const session = await sessionOf(db, team);
  const byId = /^\d+$/.test(what);
  const owner = byId ? await tokenOwner(db, Number(what)) : team.people[what] ? what : null;
  if (!owner) {
    throw new MidairError(byId ? `there is no token ${what}` : `"${what}" is neither a token id nor a person of the team`, 'give a token id (`midair login` printed it) or a person id from team.people');
  }
  const by: Actor = actor.person ? actor : actorOf(session);
  if (owner !== actor.person && !session.admin) {
    throw new MidairRefusal('not allowed', `${by.label} may not revoke "${owner}"'s tokens: a person revokes their own, or an administrator does`, 'ask an administrator (a PostgreSQL superuser)');
  }
  const revoked = await revokeTokens(db, byId ? { tokenId: Number(what) } : { person: owner }, by.label, now);
  await audit(db, by, { action: 'revoke', details: { person: owner, tokenIds: revoked.map((r) => r.id) } });
  return { revoked, revokedBy: by.label };
}
