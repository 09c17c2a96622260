import type { Queryable } from '../../db/executor.js';
import { audit } from '../../state/store.js';
import type { Actor } from '../actor.js';
import type { PagingChannel, PagingConfig } from '../team.js';
import type { PageEvent } from './event.js';
import { takes } from './payloads.js';
import { deliver, type Attempt, type Delivery, type SendOptions } from './send.js';

/** The channels a notification goes to first: every channel that is not only another's backup. */
function firstChannels(channels: readonly PagingChannel[]): PagingChannel[] {
  const backups = new Set(channels.map((c) => c.backup).filter(Boolean));
  const first = channels.filter((c) => !backups.has(c.name));
  // Channels that all back each other up: start with the first one listed.
  return first.length ? first : channels.slice(0, 1);
}

/** Writes the audit row of one attempt: sent, retry, or failed (naming the backup used next). */
export function auditAttempt(db: Queryable, actor: Actor) {
  return async (attempt: Attempt, event: PageEvent, next: { willRetry: boolean; backup: string | null }): Promise<void> => {
    const common = { event: event.event, level: event.level, channel: attempt.channel, attempt: attempt.attempt, person: event.person?.id ?? null, owner: event.person?.owner ?? null, dedupKey: event.dedupKey };
    const action = attempt.ok ? 'page sent' : next.willRetry ? 'page retry' : 'page failed';
    const details = attempt.ok ? { ...common, status: attempt.status } : { ...common, status: attempt.status, error: attempt.error, ...(next.willRetry ? {} : { backup: next.backup }) };
    await audit(db, actor, { action, ...(event.migration ? { migration: event.migration } : {}), details });
  };
}

/**
 * Sends one event through the configured channels at once (retries and backups per channel),
 * every attempt in the audit log. Never throws: a channel's failure is in its Delivery.
 */
export async function notify(db: Queryable, actor: Actor, paging: PagingConfig, event: PageEvent, options: Pick<SendOptions, 'backoff' | 'signal'> = {}): Promise<Delivery[]> {
  const onAttempt = auditAttempt(db, actor);
  const channels = firstChannels(paging.channels).filter((channel) => takes(channel, event));
  return Promise.all(channels.map((channel) => deliver(paging.channels, channel, event, { ...options, onAttempt })));
}
