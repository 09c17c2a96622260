import { MidairRefusal } from '../errors.js';
import type { Override } from '../people/schedule/guard.js';
import { checkGates, describeForced, describeOverride, RAMP_GATES, type Force } from '../stages/machine.js';
import { rampPercentOf } from '../stages/percent.js';
import { notifyRouting } from '../stages/routing.js';
import { NEXT_STEP } from '../stages/stage.js';
import { activeTarget } from '../stages/target.js';
import { withOperatorLock } from '../state/operatorLock.js';
import { audit } from '../state/store.js';
import { compileRecord } from './compileRecord.js';
import { askerOf, type Context } from './context.js';

export interface RampResult {
  migration: string;
  fromPercent: number;
  rampPercent: number;
  /** False when the migration was at that percentage already (nothing changed, the soak goes on). */
  changed: boolean;
  forced: { reason: string; overridden: string[] } | null;
}

/**
 * Sets the share of records a live migration routes to the new shape. A step up passes the ramp
 * gates (the last window's evidence, the soak at the current step); a step down always goes.
 */
export async function rampMigration(ctx: Context, name: string, percentValue: unknown, options: { force?: Force; override?: Override } = {}): Promise<RampResult> {
  const { db, settings } = ctx;
  const percent = rampPercentOf(percentValue, name);
  return withOperatorLock(db, 'ramp', name, async () => {
    const record = await activeTarget(db, settings.schema, name);
    if (record.stage !== 'live') throw new MidairRefusal('stage', `migration "${name}" is ${record.stage}; its ramp applies while live`, NEXT_STEP[record.stage]);
    const resumeAt = Math.min(percent, record.killed?.fromPercent ?? 0);
    const killedHint = `\`midair advance ${name} live --percent ${resumeAt}\` resumes at ${resumeAt}% (up to the percentage the switch was pulled at), then ramp`;
    if (record.killed) throw new MidairRefusal('killed', `the kill switch of migration "${name}" holds (pulled by ${record.killed.by} at ${record.killed.at}: ${record.killed.reason})`, killedHint);
    const fromPercent = record.rampPercent;
    if (percent === fromPercent) return { migration: name, fromPercent, rampPercent: percent, changed: false, forced: null };
    const { forced, override } = await checkGates(RAMP_GATES, { db, record, plan: compileRecord(record), bounds: settings.traffic, percent, asker: { ...askerOf(ctx), override: options.override } }, options.force);
    if (forced) ctx.report.warn(describeForced(forced));
    if (override) ctx.report.warn(describeOverride(override));
    await db.transaction(async (tx) => {
      const moved = await tx.query(
        `UPDATE midair.migrations SET ramp_percent = $2, ramp_changed_at = now()
          WHERE id = $1 AND stage = 'live' AND killed IS NULL AND ramp_percent = $3 RETURNING id`,
        [record.id, percent, fromPercent],
      );
      if (moved.length !== 1) throw new MidairRefusal('raced', `migration "${name}" changed while this ramp was checked (killed, or moved by another operator)`, 'see `midair status`');
      await audit(tx, ctx.actor, { action: 'ramp', migration: name, fromStage: 'live', toStage: 'live', details: { fromPercent, toPercent: percent, ...(forced ? { forced } : {}), ...(override ? { override } : {}) } });
      await notifyRouting(tx, name);
    });
    return { migration: name, fromPercent, rampPercent: percent, changed: true, forced };
  });
}
