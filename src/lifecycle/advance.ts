import { MidairError } from '../errors.js';
import type { Override } from '../people/schedule/guard.js';
import { advance, describeForced, describeOverride, gate, type Force } from '../stages/machine.js';
import { rampPercentOf } from '../stages/percent.js';
import type { Stage } from '../stages/stage.js';
import { activeTarget } from '../stages/target.js';
import { withOperatorLock } from '../state/operatorLock.js';
import type { Killed } from '../state/store.js';
import { completeMigration } from './complete.js';
import { compileRecord } from './compileRecord.js';
import { askerOf, type Context } from './context.js';

/** The stages `midair advance` moves to; expanded is start's, rolled_back is rollback's. */
export const ADVANCE_STAGES = ['shadow', 'live', 'rampdown', 'complete'] as const;
export type AdvanceStage = (typeof ADVANCE_STAGES)[number];

export interface AdvanceOptions {
  /** The ramp percentage of a move to live (default 0), 0 to 100. */
  percent?: number | string;
  force?: Force;
  /** The rollback authority's override of the schedule guard (a move to live or complete), recorded in the audit log. */
  override?: Override;
}

export interface AdvanceResult {
  migration: string;
  from: Stage;
  stage: Stage;
  rampPercent: number;
  /** The kill switch this move released (a move to the stage the migration is in only does that). */
  released: Killed | null;
  forced: { reason: string; overridden: string[] } | null;
}

function stageOf(value: string, migration: string): AdvanceStage {
  const stage = ADVANCE_STAGES.find((s) => s === value);
  if (stage) return stage;
  if (value === 'rolled_back' || value === 'rolling_back' || value === 'rollback') {
    throw new MidairError(`\`midair advance\` only moves forward; migration "${migration}" goes back with \`midair rollback ${migration}\``);
  }
  throw new MidairError(`"${value}" is not a stage \`midair advance\` moves migration "${migration}" to`, `give one of: ${ADVANCE_STAGES.join(', ')}`);
}

/**
 * Moves a migration forward to `to` through the gates of the move (stage machine), or, when `to` is
 * the stage it is in, resumes it after the kill switch. A move into shadow, live or rampdown sets
 * the ramp (0, --percent, 100) and releases the kill switch. complete runs completeMigration.
 */
export async function advanceMigration(ctx: Context, name: string, toValue: string, options: AdvanceOptions = {}): Promise<AdvanceResult> {
  const { db, settings } = ctx;
  const to = stageOf(toValue, name);
  const percent = options.percent === undefined ? undefined : rampPercentOf(options.percent, name);
  if (to === 'complete') {
    if (percent !== undefined) throw new MidairError('--percent applies to a move to live, not to complete', 'leave --percent out');
    const from = (await activeTarget(db, settings.schema, name)).stage;
    const done = await completeMigration(ctx, name, { force: options.force, override: options.override });
    return { migration: done.migration, from, stage: 'complete', rampPercent: 100, released: null, forced: null };
  }
  return withOperatorLock(db, 'advance', name, async () => {
    const record = await activeTarget(db, settings.schema, name);
    const from = record.stage;
    const released = record.killed;
    const passage = await gate(db, record, compileRecord(record), to, { bounds: settings.traffic, asker: { ...askerOf(ctx), override: options.override }, force: options.force, percent });
    if (passage.forced) ctx.report.warn(describeForced(passage.forced));
    if (passage.override) ctx.report.warn(describeOverride(passage.override));
    await db.transaction((tx) => advance(tx, record, passage));
    return { migration: record.name, from, stage: to, rampPercent: record.rampPercent, released: passage.killedAt ? released : null, forced: passage.forced };
  });
}
