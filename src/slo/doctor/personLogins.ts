import { ident } from '../../db/sql.js';
import { applicationSessions, byRole, describeSession } from './applicationSessions.js';
import type { DoctorCheck, Finding } from './finding.js';

/**
 * Blocking: an application that logs in as a person (a role of team.people.<id>.roles) stops when
 * that person leaves or their login is disabled, an outage nobody planned; and everything it does
 * is audited as that person.
 */
export const personLogins: DoctorCheck = {
  name: 'person-logins',
  async run({ db, server, settings }) {
    if (!server) return { skipped: 'the embedded database has no other sessions' };
    const people = Object.entries(settings.team?.people ?? {});
    if (people.length === 0) return { skipped: 'no team: no login role is mapped to a person (team.people.<id>.roles)' };
    const personOf = new Map(people.flatMap(([id, person]) => (person.roles ?? []).map((role) => [role, id] as const)));
    const findings: Finding[] = [];
    for (const [role, sessions] of byRole(await applicationSessions(db))) {
      const person = personOf.get(role);
      if (person === undefined) continue;
      findings.push({
        check: 'person-logins',
        severity: 'blocking',
        title: `an application connects as role ${role}, the login of ${person} (team.people.${person}.roles)`,
        evidence: sessions.map(describeSession),
        fix: `give the application a login role of its own, declare it under services.<service>.roles, and move its connection string to it; keep ${ident(role)} for ${person} alone`,
      });
    }
    return findings;
  },
};
