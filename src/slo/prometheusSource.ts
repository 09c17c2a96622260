import type { PrometheusSli } from './services.js';
import { SliUnknown, type SliSource } from './source.js';

// FOUNDATION PLACEHOLDER: the prometheus helper replaces this file with the real HTTP API source.
export function prometheusSource(service: string, config: PrometheusSli): SliSource {
  const unknown = () => Promise.reject(new SliUnknown(service, `reading ${config.url} is not built yet`, 'use the built-in SLI'));
  return { name: 'prometheus', events: unknown, minutes: unknown };
}
