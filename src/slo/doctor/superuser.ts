import { ident } from '../../db/sql.js';
import { applicationSessions, byRole, describeSession, serviceRoles } from './applicationSessions.js';
import type { DoctorCheck, Finding } from './finding.js';

/**
 * Blocking: an application running as a superuser bypasses every privilege and row-level security,
 * can change its own timeouts, and one wrong statement of it can drop what a migration relies on.
 */
export const superuser: DoctorCheck = {
  name: 'superuser',
  async run({ db, server, settings }) {
    if (!server) return { skipped: 'the embedded database has a single superuser session' };
    const supers = new Set((await db.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolsuper')).map((r) => r.rolname));
    const findings: Finding[] = [];
    const sessions = byRole(await applicationSessions(db));
    for (const [role, held] of sessions) {
      if (!supers.has(role)) continue;
      findings.push({
        check: 'superuser',
        severity: 'blocking',
        title: `application sessions run as superuser ${role}`,
        evidence: held.map(describeSession),
        fix: `create a login role without SUPERUSER for the application, grant it only what it uses, and switch its connection string to it`,
      });
    }
    for (const [role, service] of serviceRoles(settings.services)) {
      if (!supers.has(role) || sessions.has(role)) continue;
      findings.push({
        check: 'superuser',
        severity: 'blocking',
        title: `service ${service}'s role ${role} is a superuser`,
        evidence: [`pg_roles: ${role} rolsuper = true`, `services.${service}.roles includes "${role}"`],
        fix: `ALTER ROLE ${ident(role)} NOSUPERUSER, after granting it what the service uses`,
      });
    }
    return findings;
  },
};
