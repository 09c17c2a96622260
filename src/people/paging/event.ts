import type { Contact } from '../team.js';

/** What happened, as every channel's payload names it. */
export type PageEventKind = 'stage changed' | 'kill switch' | 'guard fired' | 'step failed' | 'approval waiting' | 'acknowledged' | 'resolved' | 'test';

/** How urgent: info only informs; warning and critical page an owner and escalate until acknowledged. */
export type PageLevel = 'info' | 'warning' | 'critical';

/** Which owner of the migration a page is for. */
export type OwnerTier = 'primary' | 'secondary' | 'tertiary';
export const OWNER_TIERS: readonly OwnerTier[] = ['primary', 'secondary', 'tertiary'];

export interface PagedPerson {
  id: string;
  name: string;
  /** In the person's order of preference. */
  contacts: Contact[];
  owner: OwnerTier;
}

/** One notification, whatever channel carries it (payloads.ts turns it into each channel's format). */
export interface PageEvent {
  event: PageEventKind;
  migration: string | null;
  /** The migration's stage when it happened, if known. */
  stage: string | null;
  /** Who is paged; null when the migration's owners are unknown (the channels still get it). */
  person: PagedPerson | null;
  message: string;
  level: PageLevel;
  /** ISO time. */
  at: string;
  /** What to run next: commands, and the guide. */
  links: Record<string, string>;
  /** One incident per migration and event: PagerDuty groups by it, and `ack` acknowledges it. */
  dedupKey: string;
}

export function dedupKeyOf(migration: string | null, event: PageEventKind): string {
  return `midair/${migration ?? '-'}/${event}`;
}

/** An event at `at`, with the commands its migration's paged person needs. */
export function pageEvent(fields: Omit<PageEvent, 'at' | 'links'>, at: Date): PageEvent {
  return { ...fields, at: at.toISOString(), links: linksOf(fields.migration) };
}

/** The commands a paged person needs. */
function linksOf(migration: string | null): Record<string, string> {
  const links: Record<string, string> = { guide: 'docs/people.md#paging-and-escalation' };
  if (migration) {
    links.acknowledge = `midair ack ${migration}`;
    links.status = 'midair status';
    links.gates = `midair gates ${migration}`;
  }
  return links;
}
