import type { Queryable } from '../../db/executor.js';
import type { Migration } from '../../migration/types.js';
import type { Actor } from '../actor.js';
import type { TeamConfig } from '../team.js';
import { afterAction, type PagingOptions } from './afterAction.js';
import { escalateDue } from './escalate.js';
import type { PagingInFlight } from './inFlight.js';
import { raise, type Alert } from './raise.js';

export interface Teller {
  db: Queryable;
  actor: Actor;
  team: TeamConfig | null;
  now: () => Date;
  options: PagingOptions;
  /** Where the work is tracked for close() to wait for (and abandon). */
  inFlight: PagingInFlight;
  warn: (message: string) => void;
}

/**
 * After an action committed: raises its alert, if any, then escalates the pages of that alert's
 * migration that are due (the pages of other migrations are `midair pager`'s). Nothing without
 * team.paging; never throws; waits at most waitMs, the rest goes on until close().
 */
export async function tell(teller: Teller, alert: () => Promise<Alert | null> | Alert | null, definition?: Migration): Promise<void> {
  const { db, actor, team, now, options, inFlight, warn } = teller;
  if (!team?.paging) return;
  const paging = { ...team, paging: team.paging };
  const sending = { backoff: options.backoff, signal: inFlight.signal };
  await afterAction(async () => {
    const at = now();
    const raised = await alert();
    if (!raised) return;
    await raise(db, actor, paging, raised, at, { ...sending, definition });
    if (raised.migration) await escalateDue(db, paging, at, { ...sending, actor, migration: raised.migration });
  }, options, inFlight, warn);
}
