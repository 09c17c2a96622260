import type { Executor } from '../db/executor.js';
import { MidairRefusal } from '../errors.js';

/** One advisory lock key per migration: a hash of its name in a namespace of Midair's own. */
const KEY = `hashtextextended('midair operator ' || $1, 7305114202)`;

/**
 * Commands that change a migration hold a session advisory lock on it, so two operators cannot run
 * conflicting steps of one migration at once; the second is told who holds it. Commands on two
 * different migrations do not wait for each other. The embedded database is one process at a time
 * already (its folder lock). Backfills take the lock shared: any number of them run together, but
 * none while start, complete or rollback of the same migration runs.
 */
export async function withOperatorLock<T>(db: Executor, command: string, migration: string, fn: () => Promise<T>, mode: 'exclusive' | 'shared' = 'exclusive'): Promise<T> {
  if (db.kind === 'embedded') return fn();
  const suffix = mode === 'shared' ? '_shared' : '';
  return db.session(async (session) => {
    const [row] = await session.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock${suffix}(${KEY}) AS locked`, [migration]);
    if (!row?.locked) {
      const holders = await db.query<{ pid: number; application_name: string; usename: string; backend_start: string }>(
        `SELECT a.pid, a.application_name, a.usename, a.backend_start::text
           FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid() AND ((l.classid::bigint << 32) | l.objid::bigint) = ${KEY}
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [migration],
      );
      const who = holders[0] ? `"${holders[0].application_name}" (pid ${holders[0].pid}, user ${holders[0].usename}, connected ${holders[0].backend_start})` : 'another session';
      throw new MidairRefusal('busy', `cannot run ${command}: another midair command is running on migration "${migration}": ${who}`, 'wait for it to finish and run this command again');
    }
    try {
      return await fn();
    } finally {
      await session.query(`SELECT pg_advisory_unlock${suffix}(${KEY})`, [migration]).catch(() => {});
    }
  });
}
