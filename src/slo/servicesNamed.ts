import { MidairError } from '../errors.js';
import type { ServiceConfig } from './services.js';

/** The services a command judges: the one named (--service), else all; a clear error when there are none or the name is unknown. */
export function servicesNamed(services: Record<string, ServiceConfig>, name?: string): [string, ServiceConfig][] {
  const declared = Object.keys(services);
  if (declared.length === 0) throw new MidairError('no services in the config: there is no SLO to judge', 'declare services with their objectives in midair.config.ts (docs/slo.md)');
  if (name === undefined) return Object.entries(services);
  const service = services[name];
  if (!service) throw new MidairError(`no service "${name}" in the config (declared: ${declared.join(', ')})`, 'give one of the declared services to --service');
  return [[name, service]];
}
