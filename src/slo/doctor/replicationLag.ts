import type { DoctorCheck } from './finding.js';

/**
 * Warning: a standby far behind turns a failover during a migration into lost writes, and a
 * backfill or index build adds WAL that pushes it further behind. No standby: nothing to report.
 * A role without pg_read_all_stats sees no lag at all: the visibility check says so.
 */
export const replicationLag: DoctorCheck = {
  name: 'replication-lag',
  async run({ db, server, options }) {
    if (!server) return { skipped: 'the embedded database has no standbys' };
    const behind = await db.query<{ name: string; client: string; state: string; seconds: number; bytes: number }>(
      `SELECT coalesce(application_name, '') AS name, coalesce(host(client_addr), 'local socket') AS client, coalesce(state, '') AS state,
              coalesce(extract(epoch FROM replay_lag), 0)::float8 AS seconds,
              coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::float8 AS bytes
         FROM pg_stat_replication
        WHERE extract(epoch FROM replay_lag) > $1::float8
        ORDER BY replay_lag DESC`,
      [options.replicationLagSeconds],
    );
    if (behind.length === 0) return [];
    return [{
      check: 'replication-lag',
      severity: 'warning',
      title: `${behind.length} standby${behind.length === 1 ? '' : 's'} replaying more than ${options.replicationLagSeconds} s behind`,
      evidence: behind.map((r) => `standby "${r.name}" from ${r.client} (${r.state}): ${r.seconds.toFixed(1)} s, ${Math.round(r.bytes)} bytes of WAL behind`),
      fix: 'find why the standby falls behind (its disk, its network, a long query on it with hot_standby_feedback) before a migration adds WAL; backfill throttles on replication lag, but cannot make up for a standby that is already behind',
    }];
  },
};
