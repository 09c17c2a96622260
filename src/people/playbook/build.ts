import { formatSeconds } from '../../cli/format/duration.js';
import type { Plan } from '../../migration/plan.js';
import type { Migration } from '../../migration/types.js';
import type { RehearsalRecord } from '../../rehearse/record.js';
import { peopleOf, type ResolvedPeople } from '../migrationPeople.js';
import { DEFAULT_ESCALATE_AFTER_MINUTES } from '../paging/escalate.js';
import type { Contact, TeamConfig } from '../team.js';
import { attendanceOf, listInWords, rolesOf, type Attendance } from './attendance.js';
import { lifecycleSteps, rollbackLocks, type LifecycleStep } from './lifecycle.js';

/** A person as the playbook shows them: how to reach them, first channel first. */
export interface PlaybookPerson {
  id: string;
  name: string;
  timezone: string;
  /** What they are for this migration: "primary", "secondary", "rollback authority", ... */
  roles: string[];
  /** Their contacts in order of preference, e.g. "email ana@example.com"; the second is the backup channel. */
  contacts: string[];
}

export interface PlaybookStep extends Omit<LifecycleStep, 'rehearsalStage' | 'approvable' | 'risky'> {
  number: number;
  risky: boolean;
  /** Seconds the step's stage took in the last rehearsal; null when it was not rehearsed. */
  rehearsedSeconds: number | null;
  /** "4.2s (rehearsal)" or "not rehearsed". */
  expected: string;
  /** The approvals the step needs, in words, and the command an approver gives one with; null when it needs none. */
  approvals: { rule: string; command: string } | null;
  /** For a risky step under a team: the schedule guard judges it; who alone may override it, and how. */
  schedule: { window: string; authority: string; override: string } | null;
  /** Person ids expected on the call: the primary runs it, the others join. */
  onCall: string[];
}

/** The runbook of one migration, from its plan, the team and the last rehearsal; rendered by markdown.ts and html.ts. */
export interface Playbook {
  migration: string;
  description: string | null;
  /** The definition the playbook is for (checksumOf the migration). */
  checksum: string;
  /** The name of every person of the team, by id (empty without a team). */
  names: Record<string, string>;
  /** Null when no team is configured: nobody is named. */
  people: {
    primary: string;
    secondary: string;
    tertiary: string | null;
    rollbackAuthority: string;
    deputy: string;
    service: string | null;
    /** Everyone named, with how to reach them, primary first. */
    contacts: PlaybookPerson[];
    attendance: Attendance[];
    /** How pages reach the owners (team.paging); null when no paging is configured. */
    paging: PlaybookPaging | null;
  } | null;
  tools: { name: string; primary: string; backup: string; description: string | null }[];
  rehearsal: { startedAt: string; seconds: number; ok: boolean; database: string; attendees: string[]; sameDefinition: boolean } | null;
  steps: PlaybookStep[];
  rollback: { commands: string[]; locks: string[] };
  warnings: string[];
}

/** How pages arrive and escalate, from team.paging. */
export interface PlaybookPaging {
  /** The channels every notification goes through at once, each with its backups in order ("pagerduty (backup ops-hook)"). */
  channels: string[];
  escalateAfterMinutes: number;
  /** Who is paged in turn: the primary at once, then the secondary, then the tertiary. */
  escalation: string[];
}

export interface PlaybookInput {
  migration: Migration;
  checksum: string;
  plan: Plan;
  team: TeamConfig | null;
  /** The migration's recorded rehearsals, newest first. */
  rehearsals: RehearsalRecord[];
  /** Why starting it is risky for the schedule guard (startRisk), or null when it is not. */
  startRisk: string | null;
}

function describeContact(contact: Contact): string {
  const [kind, value] = Object.entries(contact)[0]!;
  return `${kind} ${value}`;
}

/** The people of the migration in the order the playbook lists them, each once. */
function involved(people: ResolvedPeople): string[] {
  const { owners, rollbackAuthority, approvals } = people;
  const ids = [owners.primary, owners.secondary, owners.tertiary, rollbackAuthority.person, rollbackAuthority.deputy, ...Object.values(approvals).flatMap((r) => r.from ?? [])];
  return [...new Set(ids.filter((id): id is string => id !== undefined))];
}

function approvalsInWords(rule: ResolvedPeople['approvals'][keyof ResolvedPeople['approvals']], nameOf: (id: string) => string): string | null {
  if (!rule) return null;
  const from = rule.from ? `from ${listInWords(rule.from.map(nameOf))}` : 'from anyone in the team';
  return `${rule.count} approval${rule.count === 1 ? '' : 's'} ${from}, not counting the person who runs it`;
}

/** Each channel notifications go to at once (not only another's backup), followed by its chain of backups. */
function pagingOf(team: TeamConfig, people: ResolvedPeople, nameOf: (id: string) => string): PlaybookPaging | null {
  if (!team.paging) return null;
  const { channels } = team.paging;
  const backups = new Set(channels.flatMap((c) => (c.backup ? [c.backup] : [])));
  const chain = (name: string | undefined, seen: string[]): string[] => {
    if (!name || seen.includes(name)) return seen;
    return chain(channels.find((c) => c.name === name)?.backup, [...seen, name]);
  };
  const described = channels.filter((c) => !backups.has(c.name)).map((c) => {
    const [, ...fallbacks] = chain(c.name, []);
    return `${c.name} (${c.kind}${fallbacks.length ? `; when it fails, ${fallbacks.join(' then ')}` : ''})`;
  });
  const { primary, secondary, tertiary } = people.owners;
  return {
    channels: described,
    escalateAfterMinutes: team.paging.escalateAfterMinutes ?? DEFAULT_ESCALATE_AFTER_MINUTES,
    escalation: [primary, secondary, ...(tertiary ? [tertiary] : [])].map(nameOf),
  };
}

/**
 * The playbook of a migration: pure, so the same plan, team and rehearsals always give the same
 * playbook (no clock is read; the only dates are the stored rehearsal's).
 */
export function buildPlaybook(input: PlaybookInput): Playbook {
  const { migration, team, plan } = input;
  const name = migration.name;
  const people = team ? peopleOf(team, migration) : null;
  const nameOf = (id: string) => `${team?.people[id]?.name ?? id} (${id})`;
  const lifecycle = lifecycleSteps(name, plan, { team, start: input.startRisk });
  const attendance = people ? attendanceOf(people, lifecycle) : [];
  const last = input.rehearsals[0] ?? null;
  const rehearsed = (stage: string) => last?.stages.find((s) => s.stage === stage)?.seconds ?? null;

  const steps = lifecycle.map(({ rehearsalStage, approvable, ...step }, i): PlaybookStep => {
    const seconds = rehearsed(rehearsalStage);
    const rule = people && approvable ? approvalsInWords(people.approvals[approvable], nameOf) : null;
    return {
      ...step,
      number: i + 1,
      rehearsedSeconds: seconds,
      expected: seconds === null ? 'not rehearsed' : `${formatSeconds(seconds)} (rehearsal)`,
      approvals: rule && approvable ? { rule, command: `midair approve ${name} ${approvable}` } : null,
      schedule: people && step.risky
        ? { window: `midair schedule ${name}`, authority: nameOf(people.rollbackAuthority.person), override: `${step.command} --override --reason "<why>"` }
        : null,
      onCall: people ? [people.owners.primary, ...attendance.filter((a) => a.joins.includes(i + 1)).map((a) => a.person)] : [],
    };
  });

  const warnings: string[] = [];
  if (!last) warnings.push(`migration "${name}" was never rehearsed: no expected durations, and nobody has tried the steps; rehearse it with \`midair rehearse ${name} --attendees <ids>\``);
  else {
    if (last.checksum !== input.checksum) warnings.push(`the last rehearsal (${formatDate(last.startedAt)}) ran another definition of "${name}" (checksum ${last.checksum}, now ${input.checksum}): rehearse it again`);
    if (!last.ok) warnings.push(`the last rehearsal (${formatDate(last.startedAt)}) was not OK: read its report before running this`);
  }
  if (people) {
    const attended = new Set(input.rehearsals.flatMap((r) => r.attendees));
    const { secondary } = people.owners;
    if (!attended.has(secondary)) warnings.push(`the secondary, ${nameOf(secondary)}, never rehearsed "${name}": rehearse it together with \`midair rehearse ${name} --attendees ${people.owners.primary},${secondary}\``);
  }

  return {
    migration: name,
    description: migration.description ?? null,
    checksum: input.checksum,
    names: Object.fromEntries(Object.entries(team?.people ?? {}).map(([id, person]) => [id, person.name])),
    people: people && team
      ? {
          primary: people.owners.primary,
          secondary: people.owners.secondary,
          tertiary: people.owners.tertiary ?? null,
          rollbackAuthority: people.rollbackAuthority.person,
          deputy: people.rollbackAuthority.deputy,
          service: people.service,
          contacts: involved(people).map((id) => {
            const person = team.people[id]!;
            return { id, name: person.name, timezone: person.timezone, roles: rolesOf(id, people), contacts: person.contacts.map(describeContact) };
          }),
          attendance,
          paging: pagingOf(team, people, nameOf),
        }
      : null,
    tools: Object.entries(team?.tools ?? {}).map(([toolName, tool]) => ({ name: toolName, primary: tool.primary, backup: tool.backup, description: tool.description ?? null })),
    rehearsal: last
      ? { startedAt: last.startedAt, seconds: (Date.parse(last.endedAt) - Date.parse(last.startedAt)) / 1000, ok: last.ok, database: last.database, attendees: last.attendees, sameDefinition: last.checksum === input.checksum }
      : null,
    steps,
    rollback: { commands: [`midair kill ${name} --reason "<why>"`, `midair rollback ${name}`], locks: rollbackLocks(plan) },
    warnings,
  };
}

/** "2026-11-20 14:03 UTC": stored dates shown the same wherever the playbook is made. */
export function formatDate(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
