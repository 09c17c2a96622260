import type { Queryable } from '../../db/executor.js';
import { firstLine } from '../../db/sql.js';
import type { DoctorCheck, Finding } from './finding.js';

interface Held {
  pid: number;
  role: string;
  applicationName: string;
  seconds: number;
  query: string;
}

/**
 * Client sessions of this database in `state` whose transaction has been open longer than
 * `seconds`: measured from xact_start, since a transaction of short statements holds the locks of
 * each until it ends, and blocks DDL as long as one long statement would.
 */
async function heldSessions(db: Queryable, state: 'active' | 'idle in transaction', seconds: number): Promise<Held[]> {
  return db.query<Held>(
    `SELECT pid, usename AS role, coalesce(application_name, '') AS "applicationName",
            floor(extract(epoch FROM now() - xact_start))::int AS seconds, coalesce(query, '') AS query
       FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND datname = current_database() AND pid <> pg_backend_pid()
        AND state IN ($1::text, $1::text || ' (aborted)') AND now() - xact_start > make_interval(secs => $2::float8)
      ORDER BY xact_start`,
    [state, seconds],
  );
}

function describe(h: Held): string {
  return `pid ${h.pid}: role ${h.role}, application_name "${h.applicationName}", transaction open ${h.seconds} s: ${firstLine(h.query) || '(no statement)'}`;
}

/**
 * Blocking: a long transaction, running or left open idle, holds its locks, so a migration's DDL waits
 * behind it, and every query of the table then waits behind the DDL: an outage made of lock queues.
 * Midair's lock_timeout keeps its own DDL from queueing for long, but the step cannot run.
 */
export const longSessions: DoctorCheck = {
  name: 'long-sessions',
  async run({ db, server, options }) {
    if (!server) return { skipped: 'the embedded database has no other sessions' };
    const findings: Finding[] = [];
    const running = await heldSessions(db, 'active', options.longRunningSeconds);
    if (running.length) {
      findings.push({
        check: 'long-sessions',
        severity: 'blocking',
        title: `${running.length} transaction${running.length === 1 ? '' : 's'} running for more than ${options.longRunningSeconds} s`,
        evidence: running.map(describe),
        fix: 'find out what they are and end them (SELECT pg_cancel_backend(<pid>) ends a long statement, pg_terminate_backend(<pid>) a long transaction); set statement_timeout on application roles, and keep transactions short',
      });
    }
    const idle = await heldSessions(db, 'idle in transaction', options.idleInTransactionSeconds);
    if (idle.length) {
      findings.push({
        check: 'long-sessions',
        severity: 'blocking',
        title: `${idle.length} session${idle.length === 1 ? '' : 's'} idle in a transaction open for more than ${options.idleInTransactionSeconds} s`,
        evidence: idle.map(describe),
        fix: 'end them (SELECT pg_terminate_backend(<pid>)), fix the code that leaves transactions open, and set idle_in_transaction_session_timeout on application roles',
      });
    }
    return findings;
  },
};
