import type { Queryable } from '../../db/executor.js';
import { audit } from '../../state/store.js';
import type { Actor } from '../actor.js';
import type { PagingConfig, TeamConfig } from '../team.js';
import { pageEvent } from './event.js';
import { notify } from './notify.js';
import { claimEscalation, pagesDue } from './pages.js';
import { pagedPerson } from './person.js';
import type { Delivery, SendOptions } from './send.js';

export const DEFAULT_ESCALATE_AFTER_MINUTES = 15;

export interface Escalation {
  pageId: number;
  migration: string;
  event: string;
  /** Who was paged before, and who is paged now. */
  from: string;
  to: string;
  owner: string;
  deliveries: Delivery[];
}

/**
 * Pages the next owner of every page nobody acknowledged within escalateAfterMinutes of its last
 * page (of one migration when `migration` is given): primary, then secondary, then tertiary (the
 * last stays open until `midair ack`). Each move is committed before anyone is paged, and claimed,
 * so that pagers running at once page each owner once. `now` is the caller's clock.
 */
export async function escalateDue(
  db: Queryable,
  team: TeamConfig & { paging: PagingConfig },
  now: Date,
  options: Pick<SendOptions, 'backoff' | 'signal'> & { actor: Actor; migration?: string },
): Promise<Escalation[]> {
  const minutes = team.paging.escalateAfterMinutes ?? DEFAULT_ESCALATE_AFTER_MINUTES;
  const due = await pagesDue(db, new Date(now.getTime() - minutes * 60_000), options.migration);
  const escalations: Escalation[] = [];
  for (const page of due) {
    // Midair is closing and stopped waiting: the rest stays due for the next pager.
    if (options.signal?.aborted) break;
    const moved = await claimEscalation(db, page, now);
    if (!moved) continue;
    const person = pagedPerson(team, moved.chain, moved.tier);
    const from = moved.chain[moved.tier - 1]!;
    const to = moved.chain[moved.tier]!;
    await audit(db, options.actor, {
      action: 'page escalated',
      migration: moved.migration,
      details: { pageId: moved.id, event: moved.event, from, to, owner: person?.owner ?? null, afterMinutes: minutes },
    });
    const event = pageEvent({
      event: moved.event,
      migration: moved.migration,
      stage: moved.stage,
      person,
      message: `${moved.message} (escalated: ${from} did not acknowledge within ${minutes} min)`,
      level: moved.level,
      dedupKey: moved.dedupKey,
    }, now);
    const deliveries = await notify(db, options.actor, team.paging, event, options);
    escalations.push({ pageId: moved.id, migration: moved.migration, event: moved.event, from, to, owner: person?.owner ?? 'tertiary', deliveries });
  }
  return escalations;
}
