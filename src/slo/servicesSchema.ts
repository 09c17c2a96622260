import { z } from 'zod';
import { durationMinutes } from './duration.js';

const percentObjective = z.number().gt(0, 'an objective is a percentage above 0 and below 100, e.g. 99.9').lt(100, 'an objective is a percentage above 0 and below 100, e.g. 99.9');
/** The burn rates look back up to 3 days (budget.ts's BURN_WINDOWS): a window must hold them with room to spare. */
const SHORTEST_WINDOW_MINUTES = 7 * 1440;
const window = z
  .string()
  .refine((s) => durationMinutes(s) !== null, { abort: true, error: (issue) => `${JSON.stringify(issue.input)} is not a window: write a number and a unit, e.g. "30d", "4w", "7d"` })
  .refine((s) => durationMinutes(s)! >= SHORTEST_WINDOW_MINUTES, {
    error: (issue) => `${JSON.stringify(issue.input)} is shorter than 7 days: the burn rates look back up to 3 days and the fast-burn alerts 6 hours, which make no sense in a shorter window; use e.g. "7d", "28d" or "30d"`,
  });
const query = z.string().trim().min(1).refine((s) => s.includes('$window'), 'a PromQL query here names its window as $window, e.g. sum(rate(http_requests_total[$window]))');
const nonEmpty = z.string().trim().min(1);

/** A URL without "user:password@": a secret there would sit in midair.config.ts, in version control. */
function withoutUserinfo(url: string): boolean {
  const { username, password } = new URL(url);
  return !username && !password;
}

const prometheus = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'Prometheus\'s base URL, e.g. "http://prometheus:9090"', abort: true })
    .refine(withoutUserinfo, 'a user or password in the URL puts a secret in midair.config.ts; remove it and name the environment variable holding a bearer token in sli.prometheus.bearerTokenEnv'),
  bearerTokenEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the name of an environment variable (letters, digits and _), e.g. "PROMETHEUS_TOKEN", not the token itself').optional(),
  good: query,
  total: query,
  fastGood: query.optional(),
  timeoutMs: z.number().int().positive().optional(),
});

const serviceSchema = z.strictObject({
  availability: percentObjective,
  latency: z.strictObject({ percent: percentObjective, underMs: z.number().positive() }).optional(),
  window: window.optional(),
  sli: z.strictObject({ prometheus }).optional(),
  roles: z.array(nonEmpty).optional(),
});

export const sloSchema = z.strictObject({
  minBudgetLeft: z.number().min(0).max(100).optional(),
});

const credentialSchema = z.strictObject({
  usedBy: z.array(nonEmpty).min(1),
  owner: z.union([z.strictObject({ person: nonEmpty }), z.strictObject({ account: nonEmpty })], { error: 'an owner is { person: "<who>" } or { account: "<shared operations account>" }' }),
  where: nonEmpty.optional(),
});

const serviceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'a service name is letters, digits, ".", "_" or "-"');
export const servicesSchema = z.record(serviceName, serviceSchema);
export const credentialsSchema = z.record(nonEmpty, credentialSchema);
