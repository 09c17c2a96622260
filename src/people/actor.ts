import { hostname, userInfo } from 'node:os';
import type { Queryable } from '../db/executor.js';
import { credentialsFile, savedCredential } from './credentials.js';
import type { TeamConfig } from './team.js';
import { personOfToken } from './tokens.js';

/** Who is acting: every command and every audit entry names one. */
export interface Actor {
  /** The verified person's id in the team; null when nobody is verified (or no team is configured). */
  person: string | null;
  /** How the person was verified: the PostgreSQL role they connect as, or a personal token; null when not verified. */
  via: 'role' | 'token' | null;
  /** What the audit log shows: the person's id, else who the process runs as (MIDAIR_ACTOR, else user@host). */
  label: string;
}

/** The operating-system user of this process, unverified: who acts when no team is configured, and who guards act as. */
export function processActor(): Actor {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers)
  }
  return { person: null, via: null, label: process.env.MIDAIR_ACTOR ?? `${user}@${hostname()}` };
}

/** The person whose `roles` hold the PostgreSQL role this session logged in as, if any. */
export async function identifyByRole(db: Queryable, team: TeamConfig): Promise<Actor | null> {
  const [session] = await db.query<{ role: string }>('SELECT session_user::text AS role');
  const found = Object.entries(team.people).find(([, p]) => p.roles?.includes(session!.role));
  return found ? { person: found[0], via: 'role', label: found[0] } : null;
}

/** A personal token presented by the process, and where it came from (for messages). */
export interface PresentedToken {
  token: string;
  /** Where it came from, for messages: "MIDAIR_TOKEN" or the credentials file. */
  source: string;
}

/** The token this process presents: MIDAIR_TOKEN, else the one `midair login` saved for the database. */
export function presentedToken(database: string, env: NodeJS.ProcessEnv = process.env): PresentedToken | null {
  if (env.MIDAIR_TOKEN) return { token: env.MIDAIR_TOKEN, source: 'MIDAIR_TOKEN' };
  const saved = savedCredential(database, credentialsFile(env));
  return saved ? { token: saved.token, source: `${credentialsFile(env)} (saved by \`midair login\`)` } : null;
}

/**
 * Who is acting on this database. Without a team, the process's user. With one: the person of the
 * token presented (a wrong or revoked one is an error), else the person the session's role maps
 * to, else unverified (may read, not act).
 */
export async function identify(db: Queryable, team: TeamConfig | null, token: PresentedToken | null = null): Promise<Actor> {
  if (!team) return processActor();
  if (token) {
    const person = await personOfToken(db, team, token.token, token.source);
    return { person, via: 'token', label: person };
  }
  return (await identifyByRole(db, team)) ?? { ...processActor(), label: `unverified ${processActor().label}` };
}
