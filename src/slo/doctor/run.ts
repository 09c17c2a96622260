import { budgets } from './budgets.js';
import { controlSchemaUnreadable } from './controlSchema.js';
import { DOCTOR_DEFAULTS, type DoctorCheck, type DoctorContext, type DoctorOptions, type DoctorReport, type Finding } from './finding.js';
import { longSessions } from './longSessions.js';
import { migrationReadiness } from './migrationReadiness.js';
import { personCredentials } from './personCredentials.js';
import { personLogins } from './personLogins.js';
import { replicationLag } from './replicationLag.js';
import { roleTimeouts } from './roleTimeouts.js';
import { statStatements } from './statStatements.js';
import { superuser } from './superuser.js';
import { tableKeys } from './tableKeys.js';
import { undeclaredRoles } from './undeclaredRoles.js';
import { visibility } from './visibility.js';

/** Every check, in the order findings are listed (docs/doctor.md). */
export const DOCTOR_CHECKS: readonly DoctorCheck[] = [
  visibility, personLogins, undeclaredRoles, personCredentials, superuser, tableKeys, longSessions,
  roleTimeouts, replicationLag, statStatements, migrationReadiness, budgets,
];

/**
 * Runs every check. A check that fails (a privilege missing, a query the server refuses) is a
 * warning finding of its own, never a silent pass.
 */
export async function runDoctor(base: Omit<DoctorContext, 'options' | 'controlSchemaUnreadable'>, options: DoctorOptions = {}): Promise<DoctorReport> {
  let controlSchema: Promise<string | null> | undefined;
  const ctx: DoctorContext = {
    ...base,
    options: { ...DOCTOR_DEFAULTS, ...options },
    controlSchemaUnreadable: () => (controlSchema ??= controlSchemaUnreadable(base.db)),
  };
  const findings: Finding[] = [];
  const checks: DoctorReport['checks'] = [];
  for (const check of DOCTOR_CHECKS) {
    try {
      const outcome = await check.run(ctx);
      if (Array.isArray(outcome)) {
        findings.push(...outcome);
        checks.push({ name: check.name, ran: true });
      } else checks.push({ name: check.name, ran: false, skipped: outcome.skipped });
    } catch (error) {
      const message = (error as Error).message;
      findings.push({
        check: check.name,
        severity: 'warning',
        title: `the ${check.name} check could not run`,
        evidence: [message],
        fix: "run the doctor as a role that may read Midair's control schema (GRANT USAGE ON SCHEMA midair, SELECT ON ALL TABLES IN SCHEMA midair) and the statistics views (pg_monitor), or fix what the message names",
      });
      checks.push({ name: check.name, ran: false, skipped: `failed: ${message}` });
    }
  }
  const blocking = findings.filter((f) => f.severity === 'blocking');
  return { findings: [...blocking, ...findings.filter((f) => f.severity === 'warning')], blocking: blocking.length, warnings: findings.length - blocking.length, checks };
}
