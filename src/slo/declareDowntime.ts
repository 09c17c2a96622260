import { isoTime } from '../db/sql.js';
import { MidairError } from '../errors.js';
import type { Context } from '../lifecycle/context.js';
import { unverifiedRefusal } from '../people/authority.js';
import { audit } from '../state/store.js';
import { checkDowntime, type DowntimeInput } from './downtimeInput.js';
import { servicesNamed } from './servicesNamed.js';

/** 'planned': a declared window whose breach minutes are planned downtime; 'incident': unplanned downtime declared by hand. */
export type DowntimeKind = 'planned' | 'incident';

/** One declared window of midair.downtime. */
export interface DeclaredDowntime {
  id: number;
  service: string;
  kind: DowntimeKind;
  from: string;
  to: string;
  reason: string;
  /** Who declared it, as the audit log names them. */
  declaredBy: string;
  /** The verified person, with a team. */
  person: string | null;
  /** When it was declared: a planned window counts as planned only from then. */
  declaredAt: string;
}

export const DOWNTIME_COLUMNS = `id::int AS id, service, kind, ${isoTime('starts_at')} AS "from", ${isoTime('ends_at')} AS "to", reason,
  declared_by AS "declaredBy", person, ${isoTime('declared_at')} AS "declaredAt"`;

/**
 * Records a planned window or an incident of a declared service, as the one acting, in the audit log
 * too. With a team only a verified person may: the log decides what counts as planned downtime. A plan
 * must end after now, and counts only from its declaration (declaredAt): no plan excuses the past.
 */
export async function declareDowntime(ctx: Context, kind: DowntimeKind, input: DowntimeInput): Promise<DeclaredDowntime> {
  const { service, from, to, reason } = checkDowntime(input);
  servicesNamed(ctx.settings.services, service);
  const now = ctx.now();
  if (kind === 'planned' && to <= now) {
    throw new MidairError(
      `downtime plan --to ${to.toISOString()} is already past (now ${now.toISOString()}): a plan is declared ahead, it cannot make downtime that happened planned`,
      `record downtime that already happened as an incident: midair downtime incident --service ${service} --from ${from.toISOString()} --to ${to.toISOString()} --reason "<what happened>"`,
    );
  }
  const what = kind === 'planned' ? 'plan downtime' : 'declare an incident';
  if (ctx.settings.team && !ctx.actor.person) throw unverifiedRefusal(ctx.actor, what);
  const [row] = await ctx.db.query<DeclaredDowntime>(
    `INSERT INTO midair.downtime (service, kind, starts_at, ends_at, reason, declared_by, person, declared_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${DOWNTIME_COLUMNS}`,
    [service, kind, from.toISOString(), to.toISOString(), reason, ctx.actor.label, ctx.actor.person, now.toISOString()],
  );
  await audit(ctx.db, ctx.actor, { action: kind === 'planned' ? 'downtime planned' : 'incident declared', details: { id: row!.id, service, from: row!.from, to: row!.to, reason } });
  return row!;
}
