import { MidairError, MidairRefusal } from '../errors.js';
import { pullKillSwitch } from '../stages/killSwitch.js';
import { TRAFFIC_STAGES, type Stage } from '../stages/stage.js';
import { activeTarget } from '../stages/target.js';
import { latestByName, type Killed } from '../state/store.js';
import type { Context } from './context.js';

export interface KillResult {
  migration: string;
  stage: Stage;
  killed: Killed;
  /** The ramp percentage before the kill (0 after it). */
  fromPercent: number;
  /** True when the switch held already; then nothing changed and `killed` is the earlier pull. */
  alreadyKilled: boolean;
}

/**
 * The kill switch: every record of every instance back to the old shape, at once. It takes no
 * operator lock, so no running command (a backfill, a verify) can hold it up; it holds until
 * `midair advance <migration> <stage>`.
 */
export async function killMigration(ctx: Context, name: string, options: { reason: string }): Promise<KillResult> {
  const { db, settings } = ctx;
  const reason = options.reason?.trim() ?? '';
  if (!reason) throw new MidairError(`kill of migration "${name}" needs --reason "<why>"`, 'the reason is recorded with the kill switch and in the audit log');
  const record = await activeTarget(db, settings.schema, name);
  if (!TRAFFIC_STAGES.includes(record.stage)) {
    throw new MidairRefusal('stage', `migration "${name}" is ${record.stage}: application clients use only the old shape already, there is nothing to kill`, 'the kill switch applies in shadow, live and rampdown');
  }
  const pulled = await db.transaction((tx) => pullKillSwitch(tx, record, { by: ctx.actor, reason }, TRAFFIC_STAGES));
  if (pulled) return { migration: name, stage: pulled.stage, killed: pulled.killed, fromPercent: pulled.fromPercent, alreadyKilled: false };
  const now = await latestByName(db, name);
  if (now?.killed && now.id === record.id) return { migration: name, stage: now.stage, killed: now.killed, fromPercent: now.rampPercent, alreadyKilled: true };
  throw new MidairRefusal('raced', `migration "${name}" moved to ${now?.stage ?? 'nowhere'} while it was being killed`, 'see `midair status`');
}
