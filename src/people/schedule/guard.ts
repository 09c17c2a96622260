import { MidairRefusal } from '../../errors.js';
import type { Migration } from '../../migration/types.js';
import type { Asker } from '../../stages/gate.js';
import { peopleOf } from '../migrationPeople.js';
import { describeLocal } from './localTime.js';
import { neededPeople } from './neededPeople.js';
import { scheduleVerdict, SEARCH_DAYS } from './verdict.js';

/** The rollback authority's override of the schedule guard, with why; recorded in the move's audit row. */
export interface Override {
  reason: string;
}

/** What an accepted override let go, for the audit row: { override: { reason, overridden } }. */
export interface OverrideRecord {
  reason: string;
  overridden: string[];
}

/**
 * Judges a risky step (`what`, e.g. "complete") of a migration under the asker's team: returns null when
 * the schedule allows it, the override record when the rollback authority overrode it, else refuses with
 * every reason and the next allowed time. No team: always null.
 */
export function judgeSchedule(asker: Omit<Asker, 'budgets'>, migration: Migration, what: string): OverrideRecord | null {
  const { team, actor, now, override } = asker;
  if (!team) return null;
  const people = peopleOf(team, migration);
  const authority = people.rollbackAuthority.person;
  if (override) {
    if (!override.reason.trim()) throw new MidairRefusal('schedule', '--override needs --reason "<why>"', 'the reason is recorded in the audit log with the override');
    if (actor.person !== authority || !actor.via) {
      throw new MidairRefusal('not allowed', `only the rollback authority of migration "${migration.name}", ${authority} (${team.people[authority]!.name}), may override the schedule guard; ${actor.person ? actor.person : `${actor.label} (not a verified person)`} may not`, `ask ${authority} to run it, or run it without --override when the schedule allows (\`midair schedule ${migration.name}\`)`);
    }
  }
  const verdict = scheduleVerdict(team, neededPeople(people), now);
  if (verdict.ok) return null;
  const reasons = verdict.holds.map((h) => h.reason);
  if (override) return { reason: override.reason, overridden: reasons };
  const zone = team.people[people.owners.primary]!.timezone;
  const next = verdict.nextAllowed ? `next allowed: ${verdict.nextAllowed.toISOString()} (${describeLocal(verdict.nextAllowed, zone)})` : `next allowed: none in the next ${SEARCH_DAYS} days`;
  throw new MidairRefusal(
    'schedule',
    `the schedule guard refuses ${what} of migration "${migration.name}" now (${now.toISOString()}): ${reasons.join('; ')}; ${next}`,
    `run it then (\`midair schedule ${migration.name}\` lists the windows), or the rollback authority, ${authority}, may run it now with --override --reason "<why>" (recorded in the audit log)`,
  );
}
