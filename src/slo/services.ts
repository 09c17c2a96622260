/** One service's objectives and where its SLI comes from (docs/slo.md). */
export interface ServiceConfig {
  /** Availability objective in percent, in (0, 100): the share of requests that must succeed, e.g. 99.9. */
  availability: number;
  /** Latency objective: `percent` of requests answered in under `underMs` milliseconds, e.g. { percent: 99, underMs: 300 }. */
  latency?: { percent: number; underMs: number };
  /** The window the objectives hold over, at least 7 days: "30d" (the default), "4w", "7d". */
  window?: string;
  /** Where the SLI comes from. Default: Midair's own request tracking (midair.track, midair.middleware()). */
  sli?: { prometheus: PrometheusSli };
  /** The PostgreSQL login roles the service connects as: `midair doctor` tells them from people's logins. */
  roles?: string[];
}

/**
 * The SLI read from Prometheus's HTTP API. Each query gives one number for a window written `$window`
 * (e.g. `sum(rate(http_requests_total{job="api",code!~"5.."}[$window]))`); good and total must be
 * the same kind of number (both rates or both increases), since only their ratio is used.
 */
export interface PrometheusSli {
  /** Prometheus's base URL, e.g. "http://prometheus:9090"; without a user or password (secrets stay out of the config). */
  url: string;
  /** The name of an environment variable holding a token, sent as `Authorization: Bearer <token>`, e.g. "PROMETHEUS_TOKEN". */
  bearerTokenEnv?: string;
  /** Good events (requests that succeeded) over $window. */
  good: string;
  /** All events over $window. */
  total: string;
  /** Events answered under the latency objective's underMs over $window: needed with a latency objective. */
  fastGood?: string;
  /** How long one query may take. Default 5000. */
  timeoutMs?: number;
}

/** How budgets gate risky steps. */
export interface SloConfig {
  /** Risky steps are refused while a service's budget left is under this percentage. Default 25. */
  minBudgetLeft?: number;
}

/** A third-party API credential used in production (doctor: one that belongs to a person breaks when they leave). */
export interface CredentialConfig {
  /** The services that use it. */
  usedBy: string[];
  /** Whose it is: a person (a team person id or any name), or a shared operations account. */
  owner: { person: string } | { account: string };
  /** Where it is kept, for the finding's evidence, e.g. "vault: secret/billing/stripe". */
  where?: string;
}

export const DEFAULT_WINDOW = '30d';
export const DEFAULT_MIN_BUDGET_LEFT = 25;
