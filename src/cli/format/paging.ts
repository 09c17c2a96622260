import type { AckResult, Delivery, Escalation } from '../../people/paging/index.js';

/** One line per channel: which channel took it after how many tries, or why every one failed. */
export function formatDelivery(d: Delivery): string {
  const tries = d.attempts.length;
  if (d.deliveredBy === d.channel) return `  ${d.channel}: sent (${tries === 1 ? 'first try' : `${tries} tries`})`;
  const last = d.attempts.at(-1);
  if (d.deliveredBy) return `  ${d.channel}: failed (${d.attempts.find((a) => a.channel === d.channel)?.error ?? 'no answer'}); sent through backup "${d.deliveredBy}"`;
  return `  ${d.channel}: FAILED after ${tries} tries: ${last?.error ?? 'no answer'}`;
}

export function formatPageTest(deliveries: Delivery[]): string {
  const failed = deliveries.filter((d) => d.deliveredBy !== d.channel).length;
  return [`sent a test notification through ${deliveries.length} channel(s)${failed ? `; ${failed} failed` : ''}:`, ...deliveries.map(formatDelivery)].join('\n');
}

export function formatAck(r: AckResult): string {
  if (r.acknowledged.length === 0) return `no open pages for "${r.migration}"; nothing to acknowledge`;
  return [
    `acknowledged ${r.acknowledged.length} page(s) of "${r.migration}": escalation stops`,
    ...r.acknowledged.map((p) => `  ${p.event} (${p.level}), paged ${p.chain[p.tier]} at ${p.pagedAt}`),
    ...r.deliveries.map(formatDelivery),
  ].join('\n');
}

export function formatEscalations(escalations: Escalation[]): string {
  if (escalations.length === 0) return 'no page is due for escalation';
  return escalations.map((e) => `escalated "${e.event}" of "${e.migration}" from ${e.from} to ${e.to} (${e.owner} owner)\n${e.deliveries.map(formatDelivery).join('\n')}`).join('\n');
}
