import { SliUnknown } from './source.js';

/** One series of an instant query: its labels and [unix seconds, value] (values come as strings: "NaN", "+Inf"). */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** One series of a range query. */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** Prometheus's answer envelope (https://prometheus.io/docs/prometheus/latest/querying/api/). */
interface Answer {
  status: 'success' | 'error';
  data?: { resultType: string; result: unknown };
  errorType?: string;
  error?: string;
}

/** Where to read one service's SLI from, how long one request may take, and the bearer token to send (null: none). */
export interface PrometheusEndpoint {
  service: string;
  url: string;
  timeoutMs: number;
  bearerToken: string | null;
}

const FIX_URL = 'check that Prometheus runs and that sli.prometheus.url points at it; until the SLI can be read, risky steps are refused unless forced';
const FIX_TOKEN = 'Prometheus (or the proxy before it) wants a token: name the environment variable holding it in sli.prometheus.bearerTokenEnv, and check that its value is current; until the SLI can be read, risky steps are refused unless forced';
const FIX_QUERY = 'fix the query in sli.prometheus (try it in Prometheus\'s own query page first), or raise timeoutMs if it timed out; until then, risky steps are refused unless forced';

/** Why fetch failed, in words: "connect ECONNREFUSED 10.0.0.7:9090 (ECONNREFUSED)", "no answer within 5000 ms". */
function whyUnreachable(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  // fetch says only "fetch failed"; the cause says why ("connect ECONNREFUSED ...", "bad port").
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `${cause.message || 'connection failed'} (${cause.code})`;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** POSTs `params` to `path` of the API and returns `data.result`, which must be of `resultType`; every failure is an SliUnknown. */
async function ask(endpoint: PrometheusEndpoint, path: string, params: Record<string, string>, resultType: 'vector' | 'matrix'): Promise<unknown> {
  // A base URL may carry a path prefix (Prometheus behind a proxy): resolve relative to it.
  const base = endpoint.url.endsWith('/') ? endpoint.url : `${endpoint.url}/`;
  const target = new URL(path, base);
  const query = params.query!;
  let response: Response;
  let text: string;
  try {
    const headers = endpoint.bearerToken === null ? undefined : { authorization: `Bearer ${endpoint.bearerToken}` };
    response = await fetch(target, { method: 'POST', headers, body: new URLSearchParams(params), signal: AbortSignal.timeout(endpoint.timeoutMs) });
    text = await response.text();
  } catch (error) {
    throw new SliUnknown(endpoint.service, `Prometheus at ${endpoint.url} is unreachable: ${whyUnreachable(error, endpoint.timeoutMs)}`, FIX_URL);
  }
  // Before the body: an authenticating proxy's refusal is about the token, whatever it says.
  if (response.status === 401 || response.status === 403) {
    throw new SliUnknown(endpoint.service, `Prometheus at ${endpoint.url} answered HTTP ${response.status} ${response.statusText} to ${target.pathname}`, FIX_TOKEN);
  }
  let answer: Answer | undefined;
  try {
    answer = JSON.parse(text) as Answer;
  } catch {
    // not the API's JSON: reported below by HTTP status or as a stranger's answer
  }
  // Prometheus answers a query it rejects with HTTP 400 and a JSON error: its own words are the useful part.
  if (answer?.status === 'error') {
    // bad_data is a query it cannot parse or type; execution and timeout, one it could not finish.
    const verb = answer.errorType === 'bad_data' ? 'rejected' : 'could not run';
    throw new SliUnknown(endpoint.service, `Prometheus ${verb} the query ${query}: ${answer.errorType ?? 'error'}: ${answer.error ?? 'no reason given'}`, FIX_QUERY);
  }
  if (!response.ok) {
    throw new SliUnknown(endpoint.service, `Prometheus at ${endpoint.url} answered HTTP ${response.status} ${response.statusText} to ${target.pathname}`, FIX_URL);
  }
  if (answer?.status !== 'success' || !answer.data) {
    throw new SliUnknown(endpoint.service, `${target.href} did not answer as Prometheus's HTTP API does (${text.slice(0, 80).trim() || 'an empty body'})`, FIX_URL);
  }
  if (answer.data.resultType !== resultType) {
    throw new SliUnknown(endpoint.service, `the query ${query} gives a ${answer.data.resultType}, not a ${resultType} of series`, 'write a query that gives one series, e.g. sum(rate(http_requests_total[$window]))');
  }
  return answer.data.result;
}

/** The value of an instant query at `at` (unix seconds). */
export async function instantQuery(endpoint: PrometheusEndpoint, query: string, at: number): Promise<VectorSample[]> {
  return (await ask(endpoint, 'api/v1/query', { query, time: String(at) }, 'vector')) as VectorSample[];
}

/** The values of a range query from `start` to `end` (unix seconds, both included) every `step` seconds. */
export async function rangeQuery(endpoint: PrometheusEndpoint, query: string, start: number, end: number, step: number): Promise<MatrixSeries[]> {
  return (await ask(endpoint, 'api/v1/query_range', { query, start: String(start), end: String(end), step: String(step) }, 'matrix')) as MatrixSeries[];
}
