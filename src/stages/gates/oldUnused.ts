import { MidairRefusal } from '../../errors.js';
import { passed, refused, type Gate } from '../gate.js';

/**
 * complete drops the old shape: no application instance may have used it lately, else that
 * instance (an old release, a stale routing) fails once it is gone.
 */
export const oldUnusedGate: Gate = {
  name: 'old shape unused',
  forceable: true,
  async check({ db, record, bounds }) {
    const rows = await db.query<{ instance: string; service: string; oldUsedAt: string; secondsAgo: number }>(
      `SELECT instance_id AS instance, service, old_used_at::text AS "oldUsedAt", extract(epoch FROM now() - old_used_at)::float8 AS "secondsAgo"
         FROM midair.client_instances
        WHERE migration_id = $1 AND old_used_at > now() - make_interval(secs => $2::float8)
        ORDER BY old_used_at DESC`,
      [record.id, bounds.oldUnusedSeconds],
    );
    const numbers = { instancesUsingOld: rows.length, oldUnusedSeconds: bounds.oldUnusedSeconds, lastOldUseSecondsAgo: rows[0] ? Math.floor(rows[0].secondsAgo) : null };
    if (rows.length === 0) return passed(numbers);
    const list = rows.slice(0, 5).map((r) => `${r.service} ${r.instance} (${Math.floor(r.secondsAgo)}s ago)`).join(', ');
    return refused(
      new MidairRefusal('old in use', `${rows.length} application instance(s) used the old shape of migration "${record.name}" within the last ${bounds.oldUnusedSeconds}s (traffic.oldUnusedSeconds): ${list}`, 'deploy the new release everywhere (or wait for those instances to move on), then complete', { instances: rows }),
      numbers,
    );
  },
};
