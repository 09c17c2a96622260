import type { Events } from './budget.js';
import { instantQuery, rangeQuery, type PrometheusEndpoint } from './prometheusApi.js';
import type { PrometheusSli } from './services.js';
import { SliUnknown, type MinuteEvents, type SliKind, type SliSource } from './source.js';

const DEFAULT_TIMEOUT_MS = 5000;
const MINUTE_MS = 60_000;
/** Points per series in one range query: Prometheus refuses more than 11,000. */
const POINTS_PER_QUERY = 10_000;

/** What a source reads besides its config: the environment (for bearerTokenEnv) and, for tests, the points per range query. */
export interface PrometheusSourceOptions {
  env?: Record<string, string | undefined>;
  pointsPerQuery?: number;
}

/** The query with its window written in seconds, as PromQL durations are: "$window" → "3600s". */
function withWindow(query: string, seconds: number): string {
  return query.replaceAll('$window', `${seconds}s`);
}

/** A sample's value as a number of events: NaN (0 / 0 over an idle window) is none. */
function eventsOf(endpoint: PrometheusEndpoint, query: string, text: string): number {
  const value = text === 'NaN' ? 0 : Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new SliUnknown(endpoint.service, `the query ${query} gives ${text}, which is not a number of events`, 'write good and total as sums of counter rates, e.g. sum(rate(http_requests_total[$window]))');
  }
  return value;
}

/** The one series a good or total query must give: none is no events, several are an error (they must be summed). */
function oneSeries<T extends { metric: Record<string, string> }>(endpoint: PrometheusEndpoint, query: string, series: T[]): T | undefined {
  if (series.length > 1) {
    const labels = series.slice(0, 2).map((s) => JSON.stringify(s.metric));
    throw new SliUnknown(endpoint.service, `the query ${query} gives ${series.length} series (${labels.join(', ')}${series.length > 2 ? ', ...' : ''}), not one`, `sum it: wrap the query in sum(...), e.g. sum(rate(http_requests_total[$window]))`);
  }
  return series[0];
}

/**
 * The SLI read from Prometheus's HTTP API (docs/slo.md, "Prometheus as the SLI"): the good and total
 * queries evaluated at the end of each window with `$window` set to its length. Anything that keeps
 * the numbers from being read is an SliUnknown, so that no budget ever looks fine by default.
 */
export function prometheusSource(service: string, config: PrometheusSli, options: PrometheusSourceOptions = {}): SliSource {
  const env = options.env ?? process.env;
  const pointsPerQuery = options.pointsPerQuery ?? POINTS_PER_QUERY;

  /** Where to ask, with the token read when asked: an unset variable is an unknown SLI, not a query without credentials. */
  const endpointNow = (): PrometheusEndpoint => {
    const endpoint = { service, url: config.url, timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS };
    const variable = config.bearerTokenEnv;
    if (variable === undefined) return { ...endpoint, bearerToken: null };
    const token = env[variable];
    if (!token) {
      throw new SliUnknown(
        service,
        `sli.prometheus.bearerTokenEnv names the environment variable ${variable}, which is not set (or empty) in this process`,
        `set ${variable} to the bearer token Prometheus expects, in the environment of every process that judges budgets (the CLI, the application's instances); until then, risky steps are refused unless forced`,
      );
    }
    return { ...endpoint, bearerToken: token };
  };

  const queries = (kind: SliKind): { good: string; total: string } => {
    if (kind === 'availability') return { good: config.good, total: config.total };
    if (!config.fastGood) {
      throw new SliUnknown(service, 'the latency objective has no query of fast requests', `add sli.prometheus.fastGood, e.g. sum(rate(http_request_duration_seconds_bucket{le="0.3"}[$window]))`);
    }
    return { good: config.fastGood, total: config.total };
  };

  const valueAt = async (endpoint: PrometheusEndpoint, query: string, at: number): Promise<number> => {
    const sample = oneSeries(endpoint, query, await instantQuery(endpoint, query, at));
    return sample ? eventsOf(endpoint, query, sample.value[1]) : 0;
  };

  /** A range query's events per minute, keyed by the minute's start (ms): the point at a minute's end covers it. */
  const perMinute = async (endpoint: PrometheusEndpoint, query: string, start: number, end: number): Promise<Map<number, number>> => {
    const series = oneSeries(endpoint, query, await rangeQuery(endpoint, query, start, end, MINUTE_MS / 1000));
    return new Map((series?.values ?? []).map(([at, text]) => [at * 1000 - MINUTE_MS, eventsOf(endpoint, query, text)]));
  };

  return {
    name: 'prometheus',
    async events(kind, from, to): Promise<Events> {
      const { good, total } = queries(kind);
      const endpoint = endpointNow();
      const seconds = Math.max(1, Math.round((to.getTime() - from.getTime()) / 1000));
      const at = to.getTime() / 1000;
      const [goodEvents, totalEvents] = await Promise.all([valueAt(endpoint, withWindow(good, seconds), at), valueAt(endpoint, withWindow(total, seconds), at)]);
      return { good: goodEvents, total: totalEvents };
    },
    async minutes(kind, from, to): Promise<MinuteEvents[]> {
      const { good, total } = queries(kind);
      const endpoint = endpointNow();
      const [goodQuery, totalQuery] = [withWindow(good, 60), withWindow(total, 60)];
      // The minutes that start in [from, to); each is the point at its end, over the 60 s before it.
      const first = Math.ceil(from.getTime() / MINUTE_MS) * MINUTE_MS;
      const count = Math.ceil((to.getTime() - first) / MINUTE_MS);
      const result: MinuteEvents[] = [];
      for (let done = 0; done < count; done += pointsPerQuery) {
        const start = (first + (done + 1) * MINUTE_MS) / 1000;
        const end = (first + Math.min(done + pointsPerQuery, count) * MINUTE_MS) / 1000;
        const [goods, totals] = await Promise.all([perMinute(endpoint, goodQuery, start, end), perMinute(endpoint, totalQuery, start, end)]);
        for (const [minute, totalEvents] of totals) {
          if (totalEvents > 0) result.push({ minute: new Date(minute), good: goods.get(minute) ?? 0, total: totalEvents });
        }
      }
      return result;
    },
  };
}
