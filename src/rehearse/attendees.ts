import { MidairError } from '../errors.js';
import { requireTeam } from '../people/requireTeam.js';
import type { TeamConfig } from '../people/team.js';

/**
 * The person ids of `--attendees a,b`, checked against the team before the rehearsal runs, so a
 * typo costs nothing: attendance is what the playbook judges people by, so it names people of the team.
 */
export function parseAttendees(value: string, team: TeamConfig | null): string[] {
  const people = requireTeam(team, 'rehearse --attendees').people;
  const ids = value.split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (ids.length === 0) throw new MidairError('--attendees is empty', 'give the person ids of team.people who took part, separated by commas: --attendees ana,ben');
  const known = Object.keys(people);
  const unknown = ids.filter((id) => !people[id]);
  if (unknown.length) {
    throw new MidairError(`--attendees: ${unknown.map((id) => `"${id}"`).join(', ')} ${unknown.length === 1 ? 'is not a person' : 'are not people'} of the team`, `use the ids of team.people in midair.config.ts: ${known.join(', ')}`);
  }
  return [...new Set(ids)];
}
