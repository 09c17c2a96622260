import type { TeamConfig } from '../team.js';
import { OWNER_TIERS, type PagedPerson } from './event.js';

/** The person at `tier` of a page's chain, as payloads show them. */
export function pagedPerson(team: TeamConfig, chain: readonly string[], tier: number): PagedPerson | null {
  const id = chain[tier];
  const person = id === undefined ? undefined : team.people[id];
  if (!id || !person) return null;
  return { id, name: person.name, contacts: person.contacts, owner: OWNER_TIERS[tier] ?? 'tertiary' };
}
