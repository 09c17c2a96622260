import { MidairError } from '../errors.js';
import type { Migration } from '../migration/types.js';
import type { TeamConfig } from '../people/team.js';
import type { ServiceConfig } from './services.js';

/**
 * The service whose budget a migration's risky steps are judged by: team.migrations.<name>.service,
 * else the file's `service`. Null when no services are configured (budgets are off) or the migration
 * names none; a name that is not in `services` is an error that says so.
 */
export function migrationService(settings: { team: TeamConfig | null; services: Record<string, ServiceConfig> }, migration: Migration): { name: string; config: ServiceConfig } | null {
  const declared = Object.keys(settings.services);
  if (declared.length === 0) return null;
  const fromTeam = settings.team?.migrations?.[migration.name]?.service;
  const name = fromTeam ?? migration.service;
  if (name === undefined) return null;
  const config = settings.services[name];
  if (!config) {
    const field = fromTeam !== undefined ? `team.migrations.${migration.name}.service` : `the migration file's "service"`;
    throw new MidairError(`migration "${migration.name}" names service "${name}" (${field}), which is not in services (declared: ${declared.join(', ')})`, 'declare it under services in midair.config.ts (docs/slo.md), or name a declared service');
  }
  return { name, config };
}
