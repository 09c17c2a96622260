import type { Queryable } from '../../db/executor.js';
import type { Migration } from '../../migration/types.js';
import type { Actor } from '../actor.js';
import type { TeamConfig } from '../team.js';
import { afterAction, type PagingOptions } from './afterAction.js';
import { escalateDue } from './escalate.js';
import { raise, type Alert } from './raise.js';

export interface Teller {
  db: Queryable;
  actor: Actor;
  team: TeamConfig | null;
  now: () => Date;
  options: PagingOptions;
  warn: (message: string) => void;
}

/**
 * After an action committed: raises its alert, if any, then pages whoever is due (escalation runs
 * opportunistically here as well as in `midair pager`). Nothing without team.paging; never throws;
 * urgent (rollback, kill switch, guard) waits at most urgentWaitMs.
 */
export async function tell(teller: Teller, alert: () => Promise<Alert | null> | Alert | null, urgent: boolean, definition?: Migration): Promise<void> {
  const { db, actor, team, now, options, warn } = teller;
  if (!team?.paging) return;
  const paging = { ...team, paging: team.paging };
  await afterAction(async () => {
    const at = now();
    const raised = await alert();
    if (raised) await raise(db, actor, paging, raised, at, { ...options, definition });
    await escalateDue(db, paging, at, { ...options, actor });
  }, urgent, options, warn);
}
