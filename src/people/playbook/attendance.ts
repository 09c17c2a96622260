import type { ResolvedPeople } from '../migrationPeople.js';
import type { LifecycleStep } from './lifecycle.js';

/** Whether one person besides the primary joins the call at each step or waits for a page, in plain words. */
export interface Attendance {
  person: string;
  /** What the person is for this migration: "secondary", "rollback deputy", "approver of complete", ... */
  roles: string[];
  /** Numbers (from 1) of the steps the person joins the call for. */
  joins: number[];
  words: string;
}

/** "1", "1 and 2", "1, 2 and 3". */
export function listInWords(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** What a person is for a migration: "primary", "secondary", "rollback deputy", "approver of complete", ... */
export function rolesOf(person: string, people: ResolvedPeople): string[] {
  const roles: string[] = [];
  if (people.owners.primary === person) roles.push('primary');
  if (people.owners.secondary === person) roles.push('secondary');
  if (people.owners.tertiary === person) roles.push('tertiary');
  if (people.rollbackAuthority.person === person) roles.push('rollback authority');
  if (people.rollbackAuthority.deputy === person) roles.push('rollback deputy');
  for (const [step, rule] of Object.entries(people.approvals)) if (rule.from?.includes(person)) roles.push(`approver of ${step}`);
  return roles;
}

/**
 * For the secondary, the tertiary and whoever else may call a rollback or must approve: the risky
 * steps (live, ramp steps, complete) need the secondary and those who may call a rollback on the
 * call, and an approver joins the steps they approve; everyone else stays reachable and waits for a
 * page (the tertiary is paged when the secondary does not answer).
 */
export function attendanceOf(people: ResolvedPeople, steps: LifecycleStep[]): Attendance[] {
  const { owners, rollbackAuthority, approvals } = people;
  const listed = [owners.secondary, owners.tertiary, rollbackAuthority.person, rollbackAuthority.deputy, ...Object.values(approvals).flatMap((r) => r.from ?? [])];
  const others = [...new Set(listed.filter((p): p is string => p !== undefined && p !== owners.primary))];
  return others.map((person) => {
    const roles = rolesOf(person, people);
    const onCall = roles.some((r) => r === 'secondary' || r === 'rollback authority' || r === 'rollback deputy');
    const joins = steps.flatMap((step, i) => {
      const approves = step.approvable !== null && (approvals[step.approvable]?.from?.includes(person) ?? false);
      return (step.risky && onCall) || approves ? [i + 1] : [];
    });
    const paged = roles.includes('tertiary') ? ' (you are paged when the secondary does not answer)' : '';
    if (joins.length === 0) return { person, roles, joins, words: `no need to join the call: stay reachable and wait for a page at every step${paged}.` };
    const joined = listInWords(joins.map((n) => `${n} (${steps[n - 1]!.title})`));
    const waiting = steps.map((_, i) => i + 1).filter((n) => !joins.includes(n));
    const rest = waiting.length ? `; for step${waiting.length === 1 ? '' : 's'} ${listInWords(waiting.map(String))}, stay reachable and wait for a page${paged}` : '';
    return { person, roles, joins, words: `join the call for step${joins.length === 1 ? '' : 's'} ${joined}${rest}.` };
  });
}
