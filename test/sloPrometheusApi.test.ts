import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateConfig } from '../src/config/load.js';
import { prometheusSource } from '../src/slo/prometheusSource.js';
import type { PrometheusSli } from '../src/slo/services.js';
import { SliUnknown } from '../src/slo/source.js';
import { serviceStatus } from '../src/slo/status.js';
import { startFakePrometheus } from './support/fakePrometheus.js';

// What needs no real Prometheus (sloPrometheus.test.ts has one): the credentials sent and how long
// ranges are cut into queries, against a stand-in of its HTTP API.

const QUERIES = { good: 'sum(rate(ok[$window]))', total: 'sum(rate(all[$window]))' };

async function sliUnknown(work: Promise<unknown>): Promise<SliUnknown> {
  const error = await work.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(SliUnknown);
  return error as SliUnknown;
}

function configError(prometheus: Record<string, unknown>): string | null {
  try {
    validateConfig({ services: { api: { availability: 99.9, sli: { prometheus: { ...QUERIES, ...prometheus } } } } }, 'test');
  } catch (error) {
    return (error as Error).message;
  }
  return null;
}

describe('Prometheus credentials', () => {
  const TOKEN = 'tok-3f9a';
  let prometheus: Awaited<ReturnType<typeof startFakePrometheus>>;
  beforeAll(async () => {
    prometheus = await startFakePrometheus((query) => (query.includes('ok') ? 990 : 1000), TOKEN);
  });
  afterAll(async () => {
    await prometheus?.close();
  });
  const sli = (extra: Partial<PrometheusSli> = {}): PrometheusSli => ({ url: prometheus.url, ...QUERIES, ...extra });
  const now = new Date('2026-03-10T12:00:00Z');
  const hourBefore = new Date(now.getTime() - 3_600_000);

  it('sends the token of the variable bearerTokenEnv names as Authorization: Bearer', async () => {
    prometheus.requests.length = 0;
    const source = prometheusSource('api', sli({ bearerTokenEnv: 'PROMETHEUS_TOKEN' }), { env: { PROMETHEUS_TOKEN: TOKEN } });
    expect(await source.events('availability', hourBefore, now)).toEqual({ good: 990, total: 1000 });
    expect(await source.minutes('availability', new Date(now.getTime() - 5 * 60_000), now)).toHaveLength(5);
    expect(new Set(prometheus.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${TOKEN}`]));
  });

  it("midair slo reads the variable from the process's environment", async () => {
    const service = { availability: 99, sli: { prometheus: sli({ bearerTokenEnv: 'MIDAIR_TEST_PROMETHEUS_TOKEN' }) } };
    // The Prometheus source needs no database: the built-in one would.
    const noDatabase = {} as Parameters<typeof serviceStatus>[0];
    vi.stubEnv('MIDAIR_TEST_PROMETHEUS_TOKEN', TOKEN);
    try {
      expect(await serviceStatus(noDatabase, 'api', service, now)).toMatchObject({ unknown: null, objectives: [{ sli: 99, events: { good: 990, total: 1000 } }] });
    } finally {
      vi.unstubAllEnvs();
    }
    expect(await serviceStatus(noDatabase, 'api', service, now)).toMatchObject({ unknown: expect.stringContaining('names the environment variable MIDAIR_TEST_PROMETHEUS_TOKEN, which is not set'), hint: expect.stringContaining('set MIDAIR_TEST_PROMETHEUS_TOKEN') });
  });

  it('says which variable is unset, before asking Prometheus anything', async () => {
    const asked = prometheus.requests.length;
    const source = prometheusSource('api', sli({ bearerTokenEnv: 'PROMETHEUS_TOKEN' }), { env: { PROMETHEUS_TOKEN: '' } });
    const unset = await sliUnknown(source.events('availability', hourBefore, now));
    expect(unset.message).toBe('SLI unknown for service "api": sli.prometheus.bearerTokenEnv names the environment variable PROMETHEUS_TOKEN, which is not set (or empty) in this process');
    expect(unset.hint).toBe("set PROMETHEUS_TOKEN to the bearer token Prometheus expects, in the environment of every process that judges budgets (the CLI, the application's instances); until then, risky steps are refused unless forced");
    expect(prometheus.requests.length).toBe(asked);
  });

  it('a token Prometheus refuses (HTTP 401) is an unknown SLI pointing at the token', async () => {
    const wrong = await sliUnknown(prometheusSource('api', sli({ bearerTokenEnv: 'PROMETHEUS_TOKEN' }), { env: { PROMETHEUS_TOKEN: 'stale' } }).events('availability', hourBefore, now));
    expect(wrong.message).toMatch(/^SLI unknown for service "api": Prometheus at http:\/\/127\.0\.0\.1:\d+ answered HTTP 401 Unauthorized to \/api\/v1\/query/);
    expect(wrong.hint).toContain('sli.prometheus.bearerTokenEnv');
    const none = await sliUnknown(prometheusSource('api', sli(), { env: {} }).events('availability', hourBefore, now));
    expect(none.hint).toContain('sli.prometheus.bearerTokenEnv');
  });

  it('the config refuses a URL carrying a user or password, and checks bearerTokenEnv is a variable name', () => {
    for (const url of ['https://reader:s3cret@prometheus.example.com', 'http://reader@prometheus:9090']) {
      expect(configError({ url })).toContain('field "services.api.sli.prometheus.url": a user or password in the URL puts a secret in midair.config.ts; remove it and name the environment variable holding a bearer token in sli.prometheus.bearerTokenEnv');
    }
    expect(configError({ url: 'https://prometheus.example.com', bearerTokenEnv: 'PROMETHEUS_TOKEN' })).toBeNull();
    expect(configError({ url: 'prometheus:9090' })).toContain('field "services.api.sli.prometheus.url": Prometheus\'s base URL, e.g. "http://prometheus:9090"');
    expect(configError({ url: 'https://prometheus.example.com', bearerTokenEnv: 'Bearer abc' })).toContain('field "services.api.sli.prometheus.bearerTokenEnv": the name of an environment variable (letters, digits and _), e.g. "PROMETHEUS_TOKEN", not the token itself');
  });
});

describe('long ranges are read in chunks Prometheus accepts', () => {
  const MINUTE = 60_000;
  // Each minute's total is its index in the hour plus 100; minutes 7 to 9 of each hour fail entirely.
  const minuteOf = (at: number) => Math.round((at * 1000) / MINUTE) - 1;
  const totalOf = (minute: number) => (minute % 60) + 100;
  const goodOf = (minute: number) => (minute % 60 >= 7 && minute % 60 <= 9 ? 0 : totalOf(minute));
  let prometheus: Awaited<ReturnType<typeof startFakePrometheus>>;
  beforeAll(async () => {
    prometheus = await startFakePrometheus((query, at) => (query.includes('ok') ? goodOf(minuteOf(at)) : totalOf(minuteOf(at))));
  });
  afterAll(async () => {
    await prometheus?.close();
  });

  it('cuts a range into queries of at most pointsPerQuery points, each minute read once', async () => {
    const from = new Date('2026-03-10T10:00:00Z');
    const to = new Date('2026-03-10T11:03:30Z'); // 63 whole minutes and the one starting at 11:03
    prometheus.requests.length = 0;
    const source = prometheusSource('api', { url: prometheus.url, ...QUERIES }, { pointsPerQuery: 10 });
    const minutes = await source.minutes('availability', from, to);
    const ranges = prometheus.requests.filter((r) => r.path === '/api/v1/query_range' && r.params.query === 'sum(rate(all[60s]))');
    // 64 minutes in queries of at most 10 points: 7 queries, each point once, none outside the range.
    const points = ranges.map((r) => (Number(r.params.end) - Number(r.params.start)) / Number(r.params.step) + 1);
    expect(points).toEqual([10, 10, 10, 10, 10, 10, 4]);
    expect(minutes.map((m) => m.minute.getTime())).toEqual(Array.from({ length: 64 }, (_, i) => from.getTime() + i * MINUTE));
    for (const m of minutes) {
      const minute = m.minute.getTime() / MINUTE;
      expect([m.good, m.total]).toEqual([goodOf(minute), totalOf(minute)]);
    }
    // The sums come out as over one query: 64 minutes of totals, 4 failing minutes (10:07-10:09, 11:07 is outside).
    const sum = (pick: (m: { good: number; total: number }) => number) => minutes.reduce((n, m) => n + pick(m), 0);
    expect(sum((m) => m.total)).toBe(Array.from({ length: 64 }, (_, i) => totalOf(from.getTime() / MINUTE + i)).reduce((a, b) => a + b, 0));
    expect(sum((m) => m.total - m.good)).toBe([7, 8, 9].reduce((n, i) => n + totalOf(from.getTime() / MINUTE + i), 0));
  });

  it('a 30-day window at one point a minute takes 5 queries of at most 10,000 points by default', async () => {
    prometheus.requests.length = 0;
    const to = new Date('2026-03-10T12:00:00Z');
    const minutes = await prometheusSource('api', { url: prometheus.url, ...QUERIES }).minutes('availability', new Date(to.getTime() - 30 * 1440 * MINUTE), to);
    expect(minutes).toHaveLength(43_200);
    const points = prometheus.requests.filter((r) => r.params.query === 'sum(rate(all[60s]))').map((r) => (Number(r.params.end) - Number(r.params.start)) / 60 + 1);
    expect(points).toEqual([10_000, 10_000, 10_000, 10_000, 3_200]);
  });
});
