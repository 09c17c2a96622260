import type { PagingChannel, PagingConfig, TeamConfig } from '../../src/people/team.js';

/** Three people who own a migration in this order: alice (primary), bob (secondary), carol (tertiary). */
export const PEOPLE: TeamConfig['people'] = {
  alice: { name: 'Alice Archer', timezone: 'Europe/Berlin', contacts: [{ email: 'alice@example.com' }, { phone: '+49 30 1234567' }] },
  bob: { name: 'Bob Baker', timezone: 'America/New_York', contacts: [{ chat: '@bob' }, { pager: 'bob-pd' }] },
  carol: { name: 'Carol Chen', timezone: 'Asia/Tokyo', contacts: [{ email: 'carol@example.com' }] },
};

export const OWNERS = { primary: 'alice', secondary: 'bob', tertiary: 'carol' };

/** A team whose notifications go through `channels`; `roles` maps people to login roles when given. */
export function pagingTeam(channels: PagingChannel[], options: { escalateAfterMinutes?: number; roles?: Record<string, string> } = {}): TeamConfig & { paging: PagingConfig } {
  const people = Object.fromEntries(Object.entries(PEOPLE).map(([id, p]) => [id, options.roles?.[id] ? { ...p, roles: [options.roles[id]] } : p]));
  return { people, paging: { channels, ...(options.escalateAfterMinutes !== undefined ? { escalateAfterMinutes: options.escalateAfterMinutes } : {}) } };
}
