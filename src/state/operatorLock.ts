import type { Executor } from '../db/executor.js';
import { MidairRefusal } from '../errors.js';

const OPERATOR_LOCK = 7_305_114_202;

/**
 * Commands that change a migration hold a session advisory lock, so two operators cannot run
 * conflicting steps at once; the second is told who holds it. The embedded database is one
 * process at a time already (its folder lock). Backfills take the lock shared: any number of them
 * run together, but none while start, complete or rollback runs.
 */
export async function withOperatorLock<T>(db: Executor, command: string, fn: () => Promise<T>, mode: 'exclusive' | 'shared' = 'exclusive'): Promise<T> {
  if (db.kind === 'embedded') return fn();
  const suffix = mode === 'shared' ? '_shared' : '';
  return db.session(async (session) => {
    const [row] = await session.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock${suffix}($1) AS locked`, [OPERATOR_LOCK]);
    if (!row?.locked) {
      const holders = await db.query<{ pid: number; application_name: string; usename: string; backend_start: string }>(
        `SELECT a.pid, a.application_name, a.usename, a.backend_start::text
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid() AND ((l.classid::bigint << 32) | l.objid::bigint) = $1
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [OPERATOR_LOCK],
      );
      const who = holders[0] ? `"${holders[0].application_name}" (pid ${holders[0].pid}, user ${holders[0].usename}, connected ${holders[0].backend_start})` : 'another session';
      throw new MidairRefusal('busy', `cannot run ${command}: another midair command is running on this database: ${who}`, 'wait for it to finish and run this command again');
    }
    try {
      return await fn();
    } finally {
      await session.query(`SELECT pg_advisory_unlock${suffix}($1)`, [OPERATOR_LOCK]).catch(() => {});
    }
  });
}
