import type { TeamConfig } from '../people/team.js';
import type { CredentialConfig, ServiceConfig } from './services.js';

/** What zod cannot see: fields that name a service must name a declared one, and a latency objective needs its SLI. */
export function serviceProblems(services: Record<string, ServiceConfig> | undefined, team: TeamConfig | undefined, credentials: Record<string, CredentialConfig> | undefined): string[] {
  const problems: string[] = [];
  const declared = Object.keys(services ?? {});
  for (const [name, service] of Object.entries(services ?? {})) {
    const prometheus = service.sli?.prometheus;
    if (service.latency && prometheus && !prometheus.fastGood) {
      problems.push(`field "services.${name}.sli.prometheus.fastGood": the latency objective needs a query of the requests answered under ${service.latency.underMs} ms`);
    }
  }
  // Without services, budgets are off and a migration's service is only a name for people and paging.
  if (services) {
    for (const [migration, people] of Object.entries(team?.migrations ?? {})) {
      if (people.service !== undefined && !declared.includes(people.service)) {
        problems.push(`field "team.migrations.${migration}.service": no service "${people.service}" in services (declared: ${declared.join(', ') || 'none'})`);
      }
    }
  }
  for (const [name, credential] of Object.entries(credentials ?? {})) {
    credential.usedBy.forEach((service, i) => {
      if (!declared.includes(service)) problems.push(`field "credentials.${name}.usedBy.${i}": no service "${service}" in services`);
    });
  }
  return problems;
}
