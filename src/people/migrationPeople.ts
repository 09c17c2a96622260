import { MidairRefusal } from '../errors.js';
import type { Migration } from '../migration/types.js';
import { migrationPeopleProblems } from './checkTeam.js';
import type { ApprovableStep, ApprovalRule, Owners, TeamConfig } from './team.js';

/** A migration's people, the config's team.migrations fields winning over the file's, defaults filled in. */
export interface ResolvedPeople {
  owners: Owners;
  rollbackAuthority: { person: string; deputy: string };
  service: string | null;
  /** Steps that need approval; complete always does (default: one person other than the one who runs it). */
  approvals: Partial<Record<ApprovableStep, Required<Pick<ApprovalRule, 'count'>> & Pick<ApprovalRule, 'from'>>>;
}

/** The owners in the order they are asked: primary, secondary, then the tertiary if there is one. */
export function ownerChain(owners: Owners): string[] {
  return [owners.primary, owners.secondary, ...(owners.tertiary ? [owners.tertiary] : [])];
}

/**
 * The people of a migration under a team: refused, naming the field, when it has no primary and
 * secondary owner who are different people of the team, or names someone the team does not have.
 */
export function peopleOf(team: TeamConfig, migration: Migration): ResolvedPeople {
  const fromConfig = team.migrations?.[migration.name] ?? {};
  const merged = {
    owners: fromConfig.owners ?? migration.owners,
    rollbackAuthority: fromConfig.rollbackAuthority ?? migration.rollbackAuthority,
    service: fromConfig.service ?? migration.service,
    approvals: fromConfig.approvals ?? migration.approvals,
  };
  const where = `migration "${migration.name}"`;
  if (!merged.owners) {
    throw new MidairRefusal('people', `${where} has no owners: a team is configured, so it needs a primary and a secondary owner`, `add \`owners: { primary: '<person>', secondary: '<another person>' }\` to the migration file, or team.migrations.${migration.name}.owners to the config (docs/people.md)`);
  }
  const problems = migrationPeopleProblems(merged, team);
  if (problems.length) throw new MidairRefusal('people', `${where}: ${problems.join('; ')}`, 'fix the migration file or team.migrations in the config (docs/people.md)');
  const authority = merged.rollbackAuthority;
  const rollbackAuthority = typeof authority === 'object'
    ? authority
    : { person: authority ?? merged.owners.primary, deputy: (authority ?? merged.owners.primary) === merged.owners.secondary ? merged.owners.primary : merged.owners.secondary };
  const approvals: ResolvedPeople['approvals'] = { complete: { count: 1 } };
  for (const [step, rule] of Object.entries(merged.approvals ?? {}) as [ApprovableStep, ApprovalRule][]) {
    approvals[step] = { count: rule.count ?? 1, ...(rule.from ? { from: rule.from } : {}) };
  }
  return { owners: merged.owners, rollbackAuthority, service: merged.service ?? null, approvals };
}
