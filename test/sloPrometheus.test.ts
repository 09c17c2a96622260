import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { createMidair } from '../src/index.js';
import { prometheusSource } from '../src/slo/prometheusSource.js';
import type { PrometheusSli, ServiceConfig } from '../src/slo/services.js';
import type { ServiceStatus } from '../src/slo/status.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';
import { PROMETHEUS, startPrometheus, type Prometheus } from './support/prometheus.js';
import { startRequestExporter, type RequestExporter, type ServedRequest } from './support/requestExporter.js';
import { findServerBinary, freePort } from './support/serverProcess.js';
import { until } from './support/until.js';

/**
 * One block of 100 requests: exactly 1 fails (500) and exactly 3 take 0.5 s, over the 0.3 s bound of
 * the latency objective. The exporter counts a block at once, so every scrape sees whole blocks and
 * each series stays proportional to the others: the error ratio is exactly 1/100 and the slow ratio
 * exactly 3/100 at every instant Prometheus saw.
 */
const BLOCK: ServedRequest[] = Array.from({ length: 100 }, (_, i) => ({ code: i === 0 ? 500 : 200, seconds: i >= 1 && i <= 3 ? 0.5 : 0.05 }));
const BLOCKS_PER_ROUND = 10;
const ROUNDS = 3;

const QUERIES = {
  good: 'sum(rate(http_requests_total{job="api",code!~"5.."}[$window]))',
  total: 'sum(rate(http_requests_total{job="api"}[$window]))',
  fastGood: 'sum(rate(http_request_duration_seconds_bucket{job="api",le="0.3"}[$window]))',
};

/**
 * Why the ratios below hold to floating-point rounding only: rate() extrapolates each series from its
 * first and last samples to the window's edges, and that factor depends on the series' sample times
 * and on its first value over its increase. All series come from the same scrapes (the same times),
 * start at 0 and grow in proportion (whole blocks), so good and total are stretched by the same
 * factor and their ratio is the injected one. Absolute events are not exact (extrapolation), so
 * nothing here asserts them.
 */
const DIGITS = 9;

let exporter: RequestExporter;
let prometheus: Prometheus;
let database: TestDatabase;
/** When the first block was counted: no minute before it has events. */
let firstBlockAt: Date;

beforeAll(async () => {
  exporter = await startRequestExporter();
  prometheus = await startPrometheus(exporter.target);
  database = await freshDatabase('slo_prometheus');
  firstBlockAt = new Date();
  // Several scrapes of growing counters: rate() needs two samples, and minutes() sees more than one point.
  for (let round = 1; round <= ROUNDS; round++) {
    for (let block = 0; block < BLOCKS_PER_ROUND; block++) exporter.count(BLOCK);
    const expected = round * BLOCKS_PER_ROUND * BLOCK.length;
    await until(`Prometheus to scrape ${expected} requests`, async () => (await prometheus.value('sum(http_requests_total{job="api"})')) === expected);
  }
});

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
  await database?.drop();
});

function sli(overrides: Partial<PrometheusSli> = {}): PrometheusSli {
  return { url: prometheus.url, ...QUERIES, ...overrides };
}

/** The service's status now through the library, as `midair slo` reads it. */
async function statusOf(service: ServiceConfig): Promise<ServiceStatus> {
  const midair = await createMidair({ database: database.url, services: { api: service } });
  try {
    const [status] = await midair.slo({ service: 'api' });
    return status!;
  } finally {
    await midair.close();
  }
}

/** What a status that could not read its SLI must look like: unknown, and no budget at all. */
function expectUnknown(status: ServiceStatus): string {
  expect(status.unknown).not.toBeNull();
  expect(status.objectives).toEqual([]);
  expect(status.budgetLeftPercent).toBeNull();
  return status.unknown!;
}

describe('Prometheus as the SLI', () => {
  it('gives the injected error ratio as SLI, burn rates, budget and alerts', async () => {
    const status = await statusOf({ availability: 99.9, window: '30d', sli: { prometheus: sli() } });
    expect(status.unknown).toBeNull();
    expect(status.source).toBe('prometheus');
    const [availability] = status.objectives;
    expect(availability!.kind).toBe('availability');
    expect(availability!.sli).toBeCloseTo(99, DIGITS);
    // 1% bad against the 0.1% allowed: a burn rate of 10 over every window (all hold the whole run).
    for (const window of ['5m', '30m', '1h', '6h', '3d']) expect(availability!.burnRates[window]).toBeCloseTo(10, DIGITS - 2);
    // 30 days = 43,200 minutes: 43.2 allowed, 432 used at 1% (ten times the budget).
    expect(availability!.budget.budgetMinutes).toBeCloseTo(43.2, DIGITS);
    expect(availability!.budget.usedMinutes).toBeCloseTo(432, DIGITS - 2);
    expect(availability!.budget.usedPercent).toBeCloseTo(1000, DIGITS - 3);
    expect(status.budgetLeftPercent).toBeCloseTo(-900, DIGITS - 3);
    // A burn of 10 is above 6 (6h and 30m) but not above 14.4 (1h and 5m).
    expect(availability!.alerts.map((a) => [a.name, a.firing])).toEqual([
      ['fast burn (1h and 5m)', false],
      ['fast burn (6h and 30m)', true],
    ]);
    expect(status.fastBurn).toBe(true);
  });

  it('gives the latency objective from the histogram bucket of its bound', async () => {
    const status = await statusOf({ availability: 99, latency: { percent: 95, underMs: 300 }, window: '7d', sli: { prometheus: sli() } });
    expect(status.unknown).toBeNull();
    const latency = status.objectives.find((o) => o.kind === 'latency')!;
    expect(latency.underMs).toBe(300);
    // 97 of 100 under 0.3 s against 95% promised: 3% slow of the 5% allowed, a burn of 0.6.
    expect(latency.sli).toBeCloseTo(97, DIGITS);
    expect(latency.burnRates['1h']).toBeCloseTo(0.6, DIGITS);
    expect(latency.budget.usedPercent).toBeCloseTo(60, DIGITS - 2);
    expect(latency.budget.leftPercent).toBeCloseTo(40, DIGITS - 2);
    expect(latency.alerts.every((a) => !a.firing)).toBe(true);
    // Availability at 99% of 99% spends exactly its budget: the least left is the availability's 0%.
    expect(status.budgetLeftPercent).toBeCloseTo(0, DIGITS - 2);
  });

  it('reads per-minute events over a range longer than one range query allows', async () => {
    const source = prometheusSource('api', sli());
    const to = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 60_000);
    const recent = await source.minutes('availability', new Date(firstBlockAt.getTime() - 60_000), to);
    expect(recent.length).toBeGreaterThan(0);
    for (const minute of recent) {
      expect(minute.minute.getTime() % 60_000).toBe(0);
      expect(minute.total).toBeGreaterThan(0);
      expect(minute.good / minute.total).toBeCloseTo(0.99, DIGITS);
    }
    // Eight days of minutes are 11,520 points, over Prometheus's 11,000 per series: read in chunks,
    // giving the same minutes (none before the exporter ran).
    const eightDays = await source.minutes('availability', new Date(to.getTime() - 8 * 24 * 60 * 60_000), to);
    expect(eightDays).toEqual(recent);
    const latency = await source.minutes('latency', new Date(firstBlockAt.getTime() - 60_000), to);
    expect(latency.map((m) => m.minute)).toEqual(recent.map((m) => m.minute));
    for (const minute of latency) expect(minute.good / minute.total).toBeCloseTo(0.97, DIGITS);
  });

  it("docs/slo.md's Prometheus example is valid and its queries read the injected ratios", async () => {
    const guide = readFileSync(new URL('../docs/slo.md', import.meta.url), 'utf8');
    const example = /## Prometheus as the SLI[\s\S]*?```ts\n([\s\S]*?)```/.exec(guide)![1]!;
    // The example is plain JavaScript once its import and export are taken away.
    const body = example.replace(/^import .*$/m, '').replace('export default defineConfig(', 'return (');
    const { api } = validateConfig(new Function(body)(), 'docs/slo.md').services!;
    const status = await statusOf({ ...api!, sli: { prometheus: { ...api!.sli!.prometheus, url: prometheus.url } } });
    expect(status.unknown).toBeNull();
    expect(status.objectives.map((o) => [o.kind, o.sli])).toEqual([
      ['availability', expect.closeTo(99, DIGITS)],
      ['latency', expect.closeTo(97, DIGITS)],
    ]);
  });

  it('is no events over a window before anything was scraped, and none for NaN', async () => {
    const source = prometheusSource('api', sli());
    const before = new Date(firstBlockAt.getTime() - 60 * 60_000);
    expect(await source.events('availability', new Date(before.getTime() - 60 * 60_000), before)).toEqual({ good: 0, total: 0 });
    // A ratio over an idle window is 0 / 0: Prometheus says NaN, which is no events.
    const idle = prometheusSource('api', sli({ good: 'sum(rate(http_requests_total{job="api"}[$window])) * 0 / 0' }));
    expect(await idle.events('availability', firstBlockAt, new Date())).toMatchObject({ good: 0 });
  });
});

describe('Prometheus failures make the SLI unknown, never a healthy budget', () => {
  it('quotes Prometheus\'s own error and the query when it rejects the query', async () => {
    const broken = 'sum(rate(http_requests_total{job="api"}[$window])';
    const message = expectUnknown(await statusOf({ availability: 99.9, sli: { prometheus: sli({ total: broken }) } }));
    const sent = broken.replace('$window', `${30 * 24 * 3600}s`);
    const answer = (await (await fetch(`${prometheus.url}/api/v1/query?${new URLSearchParams({ query: sent })}`)).json()) as { error: string };
    expect(answer.error).toContain('parse error');
    expect(message).toContain('SLI unknown for service "api"');
    expect(message).toContain(`Prometheus rejected the query ${sent}: bad_data: ${answer.error}`);
  });

  it('asks to sum a query that gives several series', async () => {
    const message = expectUnknown(await statusOf({ availability: 99.9, sli: { prometheus: sli({ total: 'rate(http_requests_total{job="api"}[$window])' }) } }));
    expect(message).toMatch(/gives 2 series .*code.*, not one/);
    await expect(prometheusSource('api', sli({ total: 'rate(http_requests_total{job="api"}[$window])' })).events('availability', firstBlockAt, new Date())).rejects.toMatchObject({ hint: expect.stringContaining('sum it') });
  });

  it('refuses a query that gives a scalar', async () => {
    const message = expectUnknown(await statusOf({ availability: 99.9, sli: { prometheus: sli({ good: 'scalar(sum(rate(http_requests_total{job="api"}[$window])))' }) } }));
    expect(message).toContain('gives a scalar, not a vector of series');
  });

  it('says an HTTP error, e.g. a URL with a wrong path', async () => {
    const message = expectUnknown(await statusOf({ availability: 99.9, sli: { prometheus: sli({ url: `${prometheus.url}/not-prometheus` }) } }));
    expect(message).toContain(`Prometheus at ${prometheus.url}/not-prometheus answered HTTP 404`);
  });

  it('says Prometheus is unreachable when nothing listens', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const message = expectUnknown(await statusOf({ availability: 99.9, latency: { percent: 99, underMs: 300 }, sli: { prometheus: sli({ url }) } }));
    expect(message).toBe(`SLI unknown for service "api": Prometheus at ${url} is unreachable: connect ECONNREFUSED 127.0.0.1:${new URL(url).port} (ECONNREFUSED)`);
  });

  it('says Prometheus is unreachable when it does not answer in time', async () => {
    // A server that accepts connections and never answers, as a hung Prometheus would.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const message = expectUnknown(await statusOf({ availability: 99.9, sli: { prometheus: sli({ url: `http://127.0.0.1:${port}`, timeoutMs: 200 }) } }));
      expect(message).toContain(`Prometheus at http://127.0.0.1:${port} is unreachable: no answer within 200 ms`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('the test set-up', () => {
  /** Runs `body` with environment variables changed, then puts them back. */
  async function withEnv(changes: Record<string, string | undefined>, body: () => Promise<void>): Promise<void> {
    const saved = Object.fromEntries(Object.keys(changes).map((k) => [k, process.env[k]]));
    const set = (values: Record<string, string | undefined>) => Object.entries(values).forEach(([k, v]) => (v === undefined ? delete process.env[k] : (process.env[k] = v)));
    set(changes);
    try {
      await body();
    } finally {
      set(saved);
    }
  }

  it('fails with how to install prometheus when it is missing, never skipping', async () => {
    await withEnv({ PROMETHEUS: undefined, PATH: '/nonexistent' }, async () => {
      expect(() => findServerBinary({ ...PROMETHEUS, dirs: [] })).toThrow(
        'prometheus is not installed, and the Prometheus SLI tests need it: run `apt-get install prometheus` (.ci/run installs it), or set PROMETHEUS to its path.',
      );
    });
    await withEnv({ PROMETHEUS: '/nonexistent/prometheus' }, async () => {
      await expect(startPrometheus(exporter.target)).rejects.toThrow('PROMETHEUS=/nonexistent/prometheus is not an executable file: point it at prometheus, or unset it after `apt-get install prometheus`.');
    });
  });
});
