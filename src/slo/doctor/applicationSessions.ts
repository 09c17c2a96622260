import type { Queryable } from '../../db/executor.js';

/** Interactive tools, by the start of the application_name they set (with their version after it). */
const TOOLS = /^(psql|pgcli|pgadmin|dbeaver|datagrip|tableplus|postico|navicat|pg_dump|pg_restore|pg_dumpall)\b/i;

/**
 * Midair's own sessions, by the whole application_name its commands set ("midair", "midair team",
 * "midair start (pid 4242)", "midair backfill pause (pid 4242)", src/cli/session.ts): a prefix would
 * take an application named "midair-billing" for Midair.
 */
const MIDAIR = /^midair(?: [a-z][a-z-]*)*(?: \(pid \d+\))?$/;

/** A person at a prompt or Midair's own command, not an application. Anything else (an empty name included) is taken for an application. */
function isToolOrMidair(applicationName: string): boolean {
  return TOOLS.test(applicationName.trim()) || MIDAIR.test(applicationName);
}

/** A client session of this database as pg_stat_activity shows it. */
interface Session {
  pid: number;
  role: string;
  applicationName: string;
  client: string;
  state: string;
  /** Seconds since the session connected. */
  connectedSeconds: number;
}

/**
 * Client sessions of the current database but the doctor's own connection. A session whose
 * backend_type the doctor's role may not see (another role's, without pg_read_all_stats) is not
 * among them: it cannot be told from a background worker; the visibility check counts them.
 */
async function clientSessions(db: Queryable): Promise<Session[]> {
  return db.query<Session>(
    `SELECT pid, usename AS role, coalesce(application_name, '') AS "applicationName",
            coalesce(host(client_addr), 'local socket') AS client, coalesce(state, '') AS state,
            floor(extract(epoch FROM now() - backend_start))::int AS "connectedSeconds"
       FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND datname = current_database() AND pid <> pg_backend_pid() AND usename IS NOT NULL
      ORDER BY pid`,
  );
}

/** The sessions of applications: client sessions that are not an interactive tool or Midair's own. */
export async function applicationSessions(db: Queryable): Promise<Session[]> {
  return (await clientSessions(db)).filter((s) => !isToolOrMidair(s.applicationName));
}

/** Sessions by their login role. */
export function byRole(sessions: Session[]): Map<string, Session[]> {
  const roles = new Map<string, Session[]>();
  for (const s of sessions) roles.set(s.role, [...(roles.get(s.role) ?? []), s]);
  return roles;
}

/** One line of evidence for a session. */
export function describeSession(s: Session): string {
  return `pid ${s.pid}: role ${s.role}, application_name "${s.applicationName}", from ${s.client}, ${s.state || 'no state'}, connected ${s.connectedSeconds} s ago`;
}

/** Every login role a service declares (services.<s>.roles), with its service. */
export function serviceRoles(services: Record<string, { roles?: string[] }>): Map<string, string> {
  const roles = new Map<string, string>();
  for (const [service, config] of Object.entries(services)) for (const role of config.roles ?? []) roles.set(role, service);
  return roles;
}
