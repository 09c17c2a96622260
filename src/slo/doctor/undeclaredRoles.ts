import { applicationSessions, byRole, describeSession, serviceRoles } from './applicationSessions.js';
import type { DoctorCheck, Finding } from './finding.js';

/**
 * Warning: an application session whose login role no service declares (services.<s>.roles) cannot
 * be told from a person's or a forgotten job's, so nobody can say whose traffic a change affects;
 * and a declared role the server does not have makes the declaration wrong. Runs once some service
 * declares its roles; a person's role is person-logins' finding, not this one's.
 */
export const undeclaredRoles: DoctorCheck = {
  name: 'undeclared-roles',
  async run({ db, server, settings }) {
    if (!server) return { skipped: 'the embedded database has no other sessions' };
    const declared = serviceRoles(settings.services);
    if (declared.size === 0) return { skipped: 'no service declares its login roles (services.<service>.roles)' };
    const peopleRoles = new Set(Object.values(settings.team?.people ?? {}).flatMap((p) => p.roles ?? []));
    const findings: Finding[] = [];
    for (const [role, sessions] of byRole(await applicationSessions(db))) {
      if (declared.has(role) || peopleRoles.has(role)) continue;
      findings.push({
        check: 'undeclared-roles',
        severity: 'warning',
        title: `application sessions log in as role ${role}, which no service declares`,
        evidence: sessions.map(describeSession),
        fix: `add ${JSON.stringify(role)} to services.<service>.roles of the service that connects as it, or, if it is a person's, to team.people.<id>.roles and give the application a role of its own`,
      });
    }
    // A declared role the server does not have is a typo or a role dropped: the service is not what the config says.
    const existing = new Set((await db.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = ANY ($1::text[])', [[...declared.keys()]])).map((r) => r.rolname));
    for (const [role, service] of declared) {
      if (existing.has(role)) continue;
      findings.push({
        check: 'undeclared-roles',
        severity: 'warning',
        title: `services.${service}.roles names role ${role}, which does not exist on the server`,
        evidence: [`pg_roles has no role ${JSON.stringify(role)}`],
        fix: `correct the name in services.${service}.roles to the role ${service} logs in as, or remove it`,
      });
    }
    return findings;
  },
};
