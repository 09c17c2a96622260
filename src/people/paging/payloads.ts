import type { PagingChannel } from '../team.js';
import type { PageEvent } from './event.js';

/** The generic JSON webhook's body: the event as it is, with the format's name and version. */
export function webhookPayload(event: PageEvent): Record<string, unknown> {
  const { event: kind, migration, stage, person, message, level, at, links, dedupKey } = event;
  return { source: 'midair', version: 1, event: kind, migration, stage, level, message, at, person, links, dedupKey };
}

function contactText(person: NonNullable<PageEvent['person']>): string {
  return person.contacts.map((c) => Object.entries(c).map(([kind, value]) => `${kind} ${value}`).join('')).join(', ');
}

/** A Slack-compatible incoming webhook's body: `text` for notifications, `blocks` for the message. */
export function slackPayload(event: PageEvent): { text: string; blocks: unknown[] } {
  const who = event.person ? ` for ${event.person.name} (${event.person.owner} owner)` : '';
  const text = `[midair] ${event.level}: ${event.message}${who}`;
  const facts = [
    event.migration && `*Migration:* ${event.migration}`,
    event.stage && `*Stage:* ${event.stage}`,
    event.person && `*Paged:* ${event.person.name} (${event.person.owner} owner): ${contactText(event.person)}`,
    event.links.acknowledge && `*Acknowledge:* \`${event.links.acknowledge}\``,
  ].filter((line): line is string => Boolean(line));
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${event.event}* (${event.level}): ${event.message}` } },
    ...(facts.length ? [{ type: 'section', text: { type: 'mrkdwn', text: facts.join('\n') } }] : []),
    { type: 'context', elements: [{ type: 'mrkdwn', text: `midair · ${event.at}` }] },
  ];
  return { text, blocks };
}

/**
 * Whether a channel carries this event. PagerDuty opens an incident for every trigger, so it gets
 * no info events (stage changes, the kill switch an operator pulled): only pages, their
 * acknowledgement, and page-test (resolved right after).
 */
export function takes(channel: PagingChannel, event: PageEvent): boolean {
  if (channel.kind !== 'pagerduty') return true;
  return event.level !== 'info' || event.event === 'acknowledged' || event.event === 'resolved' || event.event === 'test';
}

/** PagerDuty Events API v2: a trigger per page (one incident per migration and event), an acknowledge for `midair ack`, a resolve. */
export function pagerdutyPayload(event: PageEvent, routingKey: string): Record<string, unknown> {
  if (event.event === 'acknowledged') return { routing_key: routingKey, event_action: 'acknowledge', dedup_key: event.dedupKey };
  if (event.event === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: event.dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: event.dedupKey,
    payload: {
      // PagerDuty truncates summaries at 1024 characters.
      summary: event.message.slice(0, 1024),
      source: event.migration ? `midair/${event.migration}` : 'midair',
      severity: event.level,
      timestamp: event.at,
      custom_details: { event: event.event, migration: event.migration, stage: event.stage, person: event.person, links: event.links },
    },
  };
}
