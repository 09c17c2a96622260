import { MidairRefusal } from '../../errors.js';
import type { Plan } from '../../migration/plan.js';
import { passed, refused, type Gate } from '../gate.js';

const HINT = 'run `midair verify` (after `midair backfill`), then move on; or add `--force --reason "<why>"` to move on anyway (recorded in the audit log)';

/** Nothing computes one shape from the other (e.g. only new tables): there is nothing to verify. */
export function nothingToVerify(plan: Plan): boolean {
  return !plan.sync.some((s) => s.up.length > 0 || s.down.length > 0);
}

/**
 * Going live and complete need a verification that is clean and newer than the last change to the
 * migration's data that Midair can see: entering expanded (the new shape's first fill by the
 * triggers) and backfill progress. Moving traffic (shadow, live, ramp, rampdown, the kill switch)
 * changes no data, and the application's own writes go through the sync triggers, which keep both
 * shapes equal: none of them ages a verification.
 */
export const verifiedGate: Gate = {
  name: 'verified',
  forceable: true,
  async check({ db, record, plan }) {
    if (nothingToVerify(plan)) return passed({ nothingToVerify: true });
    const [row] = await db.query<{ at: string | null; mismatches: string | null; unsynced: string | null; changed: string; stale: boolean | null }>(
      `SELECT v.at::text AS at, v.mismatches, v.unsynced, c.changed::text AS changed, v.at < c.changed AS stale
         FROM (SELECT greatest(
                        coalesce((SELECT max(a.at) FROM midair.audit_log a WHERE a.migration = m.name AND a.to_stage = 'expanded' AND a.at >= m.started_at), m.started_at),
                        (SELECT max(updated_at) FROM midair.backfill_checkpoints WHERE migration_id = m.id)) AS changed
                 FROM midair.migrations m WHERE m.id = $1) AS c
         LEFT JOIN LATERAL (SELECT at, mismatches, unsynced FROM midair.verifications WHERE migration_id = $1 ORDER BY id DESC LIMIT 1) AS v ON true`,
      [record.id],
    );
    const name = `migration "${record.name}"`;
    if (!row?.at) return refused(new MidairRefusal('unverified', `${name} was never verified, so nothing shows that the new shape is right`, HINT), { verifiedAt: null });
    const mismatches = Number(row.mismatches);
    const unsynced = Number(row.unsynced);
    const numbers = { verifiedAt: row.at, mismatches, unsynced, changedAt: row.changed };
    if (mismatches > 0 || unsynced > 0) {
      return refused(new MidairRefusal('unverified', `the last verification of ${name} (${row.at}) found ${mismatches} mismatches and ${unsynced} rows not backfilled`, HINT, { verifiedAt: row.at, mismatches, unsynced }), numbers);
    }
    if (row.stale) {
      return refused(new MidairRefusal('unverified', `the last verification of ${name} (${row.at}) is older than its last backfill progress or the end of its expand (${row.changed})`, HINT, { verifiedAt: row.at, changedAt: row.changed }), numbers);
    }
    return passed(numbers);
  },
};
