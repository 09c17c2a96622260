import { Cron } from 'croner';
import { dateHolidays } from './dateHolidays.js';
import type { MigrationPeople, TeamConfig } from './team.js';

/** Where a name points to a person: every person named in a migration's people fields, with its field. */
function namedPeople(people: MigrationPeople): { field: string; id: string }[] {
  const named: { field: string; id: string }[] = [];
  const { owners, rollbackAuthority, approvals } = people;
  if (owners) {
    named.push({ field: 'owners.primary', id: owners.primary }, { field: 'owners.secondary', id: owners.secondary });
    if (owners.tertiary) named.push({ field: 'owners.tertiary', id: owners.tertiary });
  }
  if (typeof rollbackAuthority === 'string') named.push({ field: 'rollbackAuthority', id: rollbackAuthority });
  else if (rollbackAuthority) named.push({ field: 'rollbackAuthority.person', id: rollbackAuthority.person }, { field: 'rollbackAuthority.deputy', id: rollbackAuthority.deputy });
  for (const [step, rule] of Object.entries(approvals ?? {})) {
    (rule?.from ?? []).forEach((id, i) => named.push({ field: `approvals.${step}.from.${i}`, id }));
  }
  return named;
}

/** Problems of a migration's people fields against the team, each naming its field; `prefix` leads each field name. */
export function migrationPeopleProblems(people: MigrationPeople, team: TeamConfig, prefix = ''): string[] {
  const problems: string[] = [];
  for (const { field, id } of namedPeople(people)) {
    if (!team.people[id]) problems.push(`field "${prefix}${field}": "${id}" is not a person of the team (team.people has ${Object.keys(team.people).map((p) => `"${p}"`).join(', ')})`);
  }
  const { owners } = people;
  if (owners) {
    const listed = [owners.primary, owners.secondary, owners.tertiary].filter((o): o is string => o !== undefined);
    const twice = listed.find((o, i) => listed.indexOf(o) !== i);
    if (twice) problems.push(`field "${prefix}owners": "${twice}" is listed twice; primary, secondary and tertiary must be different people`);
  }
  const authority = people.rollbackAuthority;
  if (typeof authority === 'object' && authority.person === authority.deputy) {
    problems.push(`field "${prefix}rollbackAuthority.deputy": "${authority.deputy}" is the rollback authority already; the deputy must be someone else`);
  }
  return problems;
}

/** Whether date-holidays knows the region ("DE", "US-CA"); loaded only when a team names a region. */
function knownRegion(region: string): boolean {
  const Holidays = dateHolidays();
  const holidays = new Holidays();
  const [country, state] = region.split('-') as [string, string | undefined];
  if (!holidays.getCountries()[country]) return false;
  return state === undefined || Boolean(holidays.getStates(country)?.[state]);
}

/** What the team config's schema cannot see: references between its parts, cron expressions, regions. */
export function teamProblems(team: TeamConfig): string[] {
  const problems: string[] = [];
  const roleOwner = new Map<string, string>();
  for (const [id, person] of Object.entries(team.people)) {
    if (person.region && !knownRegion(person.region)) {
      problems.push(`field "team.people.${id}.region": "${person.region}" is not a region with known public holidays (use a country code such as "DE", or "US-CA" with a state)`);
    }
    for (const role of person.roles ?? []) {
      const other = roleOwner.get(role);
      if (other) problems.push(`field "team.people.${id}.roles": role "${role}" is also "${other}"'s; a role identifies one person`);
      roleOwner.set(role, id);
    }
  }
  for (const [name, people] of Object.entries(team.migrations ?? {})) problems.push(...migrationPeopleProblems(people, team, `team.migrations.${name}.`));
  (team.freeze ?? []).forEach((window, i) => {
    if ('cron' in window) {
      try {
        new Cron(window.cron, { timezone: window.timezone, paused: true });
      } catch (error) {
        problems.push(`field "team.freeze.${i}.cron": ${JSON.stringify(window.cron)} is not a cron expression: ${(error as Error).message}`);
      }
    } else if (Date.parse(window.to) < Date.parse(window.from)) {
      problems.push(`field "team.freeze.${i}.to": the freeze ends before it starts`);
    }
  });
  const channels = team.paging?.channels ?? [];
  const names = channels.map((c) => c.name);
  channels.forEach((c, i) => {
    if (names.indexOf(c.name) !== i) problems.push(`field "team.paging.channels.${i}.name": "${c.name}" is used twice`);
    if (c.backup !== undefined && !names.includes(c.backup)) problems.push(`field "team.paging.channels.${i}.backup": there is no channel "${c.backup}"`);
    if (c.backup === c.name) problems.push(`field "team.paging.channels.${i}.backup": a channel cannot be its own backup`);
    if (hasCredentials(c.url)) problems.push(`field "team.paging.channels.${i}.url": the URL carries a user name or password, which would end up in error messages and the audit log`);
    if (c.kind === 'pagerduty' && !c.routingKey) problems.push(`field "team.paging.channels.${i}.routingKey": a pagerduty channel needs the integration's routing key`);
  });
  return problems;
}

/** A channel URL with user:password@ (fetch refuses it, and names the URL in its error). */
function hasCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}
