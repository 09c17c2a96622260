import type { Queryable } from '../../db/executor.js';
import { audit } from '../../state/store.js';
import type { Actor } from '../actor.js';
import type { PagingConfig, TeamConfig } from '../team.js';
import { pageEvent } from './event.js';
import { notify } from './notify.js';
import { acknowledgePages, type PageRecord } from './pages.js';
import { pagedPerson } from './person.js';
import type { Delivery, SendOptions } from './send.js';

export interface AckResult {
  migration: string;
  /** The pages this acknowledged (none when nothing was open). */
  acknowledged: PageRecord[];
  deliveries: Delivery[];
}

/**
 * Acknowledges every open page of a migration: escalation stops, the audit log names who, and the
 * channels hear it (PagerDuty: an acknowledge of the incident). Once per page: a second ack finds none.
 */
export async function acknowledge(db: Queryable, actor: Actor, team: TeamConfig & { paging: PagingConfig }, migration: string, now: Date, options: Pick<SendOptions, 'backoff' | 'signal'> = {}): Promise<AckResult> {
  const acknowledged = await acknowledgePages(db, migration, actor.label, now);
  if (acknowledged.length === 0) return { migration, acknowledged, deliveries: [] };
  await audit(db, actor, { action: 'page acknowledged', migration, details: { pages: acknowledged.map((p) => ({ id: p.id, event: p.event, paged: p.chain[p.tier] })) } });
  const deliveries: Delivery[] = [];
  // One acknowledgement per incident: pages of one event share PagerDuty's dedup key.
  const incidents = [...new Map(acknowledged.map((p) => [p.dedupKey, p])).values()];
  for (const page of incidents) {
    const event = pageEvent({
      event: 'acknowledged',
      migration,
      stage: page.stage,
      person: pagedPerson(team, page.chain, page.tier),
      message: `${actor.label} acknowledged "${page.event}" of migration ${migration}`,
      level: 'info',
      dedupKey: page.dedupKey,
    }, now);
    deliveries.push(...(await notify(db, actor, team.paging, event, options)));
  }
  return { migration, acknowledged, deliveries };
}
