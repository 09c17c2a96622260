import type { Queryable } from '../../db/executor.js';
import type { Actor } from '../actor.js';
import type { PagingConfig } from '../team.js';
import { pageEvent } from './event.js';
import { auditAttempt } from './notify.js';
import { deliver, type Delivery, type SendOptions } from './send.js';

/**
 * A test notification through every channel, backups included, each on its own (no fallback to
 * its backup: the point is to know which channel works). PagerDuty's test incident is resolved
 * right after its trigger (same dedup key), so nobody is left with it. Answers each channel's result.
 */
export async function pageTest(db: Queryable, actor: Actor, paging: PagingConfig, now: Date, options: Pick<SendOptions, 'backoff'> = {}): Promise<Delivery[]> {
  const event = pageEvent({
    event: 'test',
    migration: null,
    stage: null,
    person: null,
    message: `test notification from midair page-test, sent by ${actor.label}`,
    level: 'info',
    dedupKey: `midair/test/${now.toISOString()}`,
  }, now);
  const onAttempt = auditAttempt(db, actor);
  return Promise.all(paging.channels.map(async (channel) => {
    const alone = { ...channel, backup: undefined };
    const delivery = await deliver([], alone, event, { ...options, onAttempt });
    if (channel.kind === 'pagerduty' && delivery.deliveredBy) {
      await deliver([], alone, { ...event, event: 'resolved', message: 'midair page-test: resolved' }, { ...options, onAttempt });
    }
    return delivery;
  }));
}
