import { ident } from '../../db/sql.js';
import { applicationSessions, serviceRoles } from './applicationSessions.js';
import type { DoctorCheck, Finding } from './finding.js';

const TIMEOUTS = ['lock_timeout', 'statement_timeout'] as const;

/** A timeout set for a role, its database or the server, and where. */
interface TimeoutSetting {
  name: string;
  value: string;
  from: string;
}

/**
 * Warning: an application role without lock_timeout waits behind a migration's lock for as long as
 * it takes, and its queries queue behind it; without statement_timeout one runaway query holds its
 * locks as long as it runs. Read from ALTER ROLE ... SET (this database's, then every database's),
 * ALTER DATABASE ... SET, and the server's settings; a value set by the application on its own
 * connections is not visible.
 */
export const roleTimeouts: DoctorCheck = {
  name: 'role-timeouts',
  async run({ db, server, settings }) {
    if (!server) return { skipped: 'the embedded database has no application roles' };
    const peopleRoles = new Set(Object.values(settings.team?.people ?? {}).flatMap((p) => p.roles ?? []));
    const roles = new Set(serviceRoles(settings.services).keys());
    for (const s of await applicationSessions(db)) if (!peopleRoles.has(s.role)) roles.add(s.role);
    if (roles.size === 0) return [];
    // Each role's timeouts, the most specific first (role in this database, role, database): the first of each name wins.
    const rows = await db.query<{ role: string; exists: boolean; config: TimeoutSetting[] }>(
      `SELECT r.name AS role, ro.oid IS NOT NULL AS exists,
              coalesce((SELECT jsonb_agg(jsonb_build_object(
                                 'name', split_part(c, '=', 1), 'value', substr(c, strpos(c, '=') + 1),
                                 'from', CASE WHEN s.setrole = 0 THEN 'this database' WHEN s.setdatabase = 0 THEN 'role' ELSE 'role in this database' END)
                               ORDER BY s.setrole DESC, s.setdatabase DESC)
                          FROM pg_db_role_setting s, unnest(s.setconfig) c
                         WHERE ((s.setrole = ro.oid AND s.setdatabase IN (0, d.oid)) OR (s.setrole = 0 AND s.setdatabase = d.oid))
                           AND split_part(c, '=', 1) = ANY ($2::text[])), '[]') AS config
         FROM unnest($1::text[]) AS r(name)
         LEFT JOIN pg_roles ro ON ro.rolname = r.name
         CROSS JOIN (SELECT oid FROM pg_database WHERE datname = current_database()) d
        ORDER BY r.name`,
      [[...roles], TIMEOUTS],
    );
    // The server's own value (postgresql.conf, ALTER SYSTEM, the command line): what every role gets unless
    // it or the database sets another. When this session's role or connection sets one, pg_settings shows
    // that instead, and the server's is taken for unset: a warning too many rather than one missed.
    const serverSettings = await db.query<TimeoutSetting>(
      `SELECT name, current_setting(name) AS value, 'server' AS "from" FROM pg_settings
        WHERE name = ANY ($1::text[]) AND source IN ('configuration file', 'command line', 'environment variable')
        ORDER BY name`,
      [TIMEOUTS],
    );
    const findings: Finding[] = [];
    for (const row of rows) {
      if (!row.exists) continue;
      const settings = [...row.config, ...serverSettings];
      const value = (name: string) => settings.find((s) => s.name === name)?.value;
      const missing = TIMEOUTS.filter((name) => { const v = value(name); return v === undefined || /^0+(ms|s|min)?$/.test(v); });
      if (missing.length === 0) continue;
      findings.push({
        check: 'role-timeouts',
        severity: 'warning',
        title: `application role ${row.role} has no ${missing.join(' and no ')}`,
        evidence: [`role ${row.role}: ${settings.map((t) => `${t.name}=${t.value} (${t.from})`).join(', ') || 'no lock_timeout or statement_timeout set for it, this database or the server'}`],
        fix: missing.map((name) => `ALTER ROLE ${ident(row.role)} SET ${name} = '${name === 'lock_timeout' ? '2s' : '30s'}'`).join('; ') + ' (new sessions take it)',
      });
    }
    return findings;
  },
};
