/**
 * `npm run bench:track -- [--database <url>] [--seconds <n>] [--json]`: what the built-in SLI costs an
 * application (docs/slo.md). Two figures, each a ratio against a baseline measured in the same run:
 * - a request to a node:http server with `midair.middleware()` against the same server without it,
 *   one request in flight over keep-alive, the two servers taking turns request by request;
 * - one `midair.track()` call against the bare work it replaces in an application (a per-minute
 *   counter in a Map), in nanoseconds per call.
 * The counts are flushed in the background into a database of the bench's own. Not a test: it prints
 * figures and ratios measured in the same run.
 */
import { Agent, createServer, request, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createMidair } from '../src/index.js';
import { createBenchDatabase } from './backfill/database.js';

const { values } = parseArgs({
  options: {
    database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    seconds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const CALLS = 5_000_000;

const answer: RequestListener = (_req, res) => res.end('ok');

async function listen(listener: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function get(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/', agent }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
  });
}

/** Mean microseconds per request to each port, taking turns request by request for SECONDS. */
async function inTurns(ports: number[]): Promise<number[]> {
  for (const port of ports) for (let i = 0; i < 200; i++) await get(port); // warm up
  const spent = ports.map(() => 0);
  let rounds = 0;
  for (const until = performance.now() + SECONDS * 1000; performance.now() < until; rounds++) {
    for (const [n, port] of ports.entries()) {
      const start = performance.now();
      await get(port);
      spent[n]! += performance.now() - start;
    }
  }
  return spent.map((ms) => (ms * 1000) / rounds);
}

/** Nanoseconds per call of `fn`, after a warm-up. */
function perCall(fn: (i: number) => void): number {
  for (let i = 0; i < 100_000; i++) fn(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / CALLS;
}

const database = await createBenchDatabase(values.database!);
const midair = await createMidair({
  database: database.url,
  service: 'bench',
  services: { bench: { availability: 99.9, latency: { percent: 99, underMs: 300 } } },
});
try {
  await midair.init();
  const plain = await listen(answer);
  const track = midair.middleware() as (req: unknown, res: unknown, next: () => void) => void;
  const tracked = await listen((req, res) => track(req, res, () => answer(req, res)));
  const [plainUs, trackedUs] = await inTurns([plain.port, tracked.port]);
  plain.server.close();
  tracked.server.close();
  agent.destroy();

  const counters = new Map<number, number>();
  const mapNs = perCall((i) => {
    const now = Date.now();
    const minute = now - (now % 60_000);
    counters.set(minute, (counters.get(minute) ?? 0) + (i % 100 === 0 ? 0 : 1));
  });
  const trackNs = perCall((i) => midair.track({ ok: i % 100 !== 0, latencyMs: i % 500 }));
  await midair.flushEvidence();

  const figures = {
    request: { withoutUs: plainUs!, withMiddlewareUs: trackedUs!, ratio: trackedUs! / plainUs! },
    track: { mapCounterNs: mapNs, trackNs, ratio: trackNs / mapNs },
  };
  if (values.json) console.log(JSON.stringify(figures, null, 2));
  else {
    console.log(`request to node:http, one in flight: ${plainUs!.toFixed(1)} µs without, ${trackedUs!.toFixed(1)} µs with midair.middleware(): ratio ${figures.request.ratio.toFixed(3)}`);
    console.log(`midair.track(): ${trackNs.toFixed(0)} ns a call, a bare per-minute Map counter ${mapNs.toFixed(0)} ns: ratio ${figures.track.ratio.toFixed(2)}`);
  }
} finally {
  await midair.close();
  await database.drop();
}
