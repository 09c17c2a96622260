import { MidairError } from '../errors.js';
import type { TeamConfig } from './team.js';

/** The team a people verb reads, or a clear error when none is configured. */
export function requireTeam(team: TeamConfig | null, verb: string): TeamConfig {
  if (!team) throw new MidairError(`\`midair ${verb}\` needs a team, and none is configured`, 'add `team` to midair.config.ts (docs/people.md)');
  return team;
}
