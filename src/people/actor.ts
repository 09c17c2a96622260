import { hostname, userInfo } from 'node:os';
import type { Queryable } from '../db/executor.js';
import type { TeamConfig } from './team.js';

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

/** Who is acting on this database: with a team, the person the session's role maps to (else unverified); without one, the process's user. */
export async function identify(db: Queryable, team: TeamConfig | null): Promise<Actor> {
  if (!team) return processActor();
  return (await identifyByRole(db, team)) ?? { ...processActor(), label: `unverified ${processActor().label}` };
}
