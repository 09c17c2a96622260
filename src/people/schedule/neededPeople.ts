import type { ResolvedPeople } from '../migrationPeople.js';

/** Who must be at work for a risky step: the primary and secondary owners and the rollback authority (each once). */
export function neededPeople(people: ResolvedPeople): string[] {
  return [...new Set([people.owners.primary, people.owners.secondary, people.rollbackAuthority.person])];
}
