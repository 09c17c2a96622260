import { ident } from '../../db/sql.js';
import type { DoctorCheck } from './finding.js';

/** The checks that judge other sessions, which see only those pg_stat_activity shows in full. */
const SESSION_CHECKS = 'person-logins, undeclared-roles, superuser, long-sessions and role-timeouts';

/**
 * Warning: a role that is neither a superuser nor has pg_read_all_stats' privileges (as pg_monitor's
 * members do; USAGE, as PostgreSQL judges it: a member WITH INHERIT FALSE does not)
 * sees other roles' sessions as `<insufficient privilege>`, without their backend type, state or
 * times, and no standby's lag. The session checks judge none of those (a hidden session cannot be
 * told from a background worker), so this says how many there are and how to see them.
 */
export const visibility: DoctorCheck = {
  name: 'visibility',
  async run({ db, server }) {
    if (!server) return { skipped: 'the embedded database has no other sessions' };
    const [row] = await db.query<{ role: string; sees: boolean; hidden: number }>(
      `SELECT current_user::text AS role,
              (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') AS sees,
              (SELECT count(*)::int FROM pg_stat_activity
                WHERE datname = current_database() AND backend_type IS NULL AND usename IS NOT NULL AND pid <> pg_backend_pid()) AS hidden`,
    );
    const { role, sees, hidden } = row!;
    if (sees) return [];
    const sessions = `${hidden} session${hidden === 1 ? '' : 's'}`;
    return [{
      check: 'visibility',
      severity: 'warning',
      title: `role ${role} cannot see other roles' sessions: ${sessions} of this database not judged`,
      evidence: [
        `role ${role} is neither a superuser nor has the privileges of pg_read_all_stats: pg_stat_activity shows other roles' sessions as <insufficient privilege>, without their type, state or times, and pg_stat_replication hides the standbys' lag`,
        `${sessions} of other roles in this database not visible to ${SESSION_CHECKS}`,
      ],
      fix: `GRANT pg_monitor TO ${ident(role)}, or run the doctor as a role that has it`,
    }];
  },
};
