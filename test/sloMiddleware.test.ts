import { createServer, IncomingMessage, ServerResponse, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TrackedRequest } from '../src/index.js';
import { middleware } from '../src/slo/middleware.js';
import { eventually } from './support/until.js';

/** The middleware over a tracking that records what it is given. */
function recorded() {
  const tracked: TrackedRequest[] = [];
  const problems: unknown[] = [];
  const mw = middleware({ track: (request) => tracked.push(request), cannotCount: (error) => problems.push(error) });
  return { mw, tracked, problems };
}

describe('midair.middleware(): one function for Express/Connect, node:http, Fastify and Hono', () => {
  let server: Server | null = null;

  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(null)));
    server = null;
  });

  async function serve(listener: RequestListener): Promise<string> {
    server = createServer(listener);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function route(request: IncomingMessage, response: ServerResponse): void {
    if (request.url === '/fail') response.writeHead(503).end();
    else if (request.url === '/missing') response.writeHead(404).end();
    else if (request.url === '/slow') setTimeout(() => response.end('slow'), 50);
    else response.end('ok');
  }

  it('(req, res, next) counts each answer when it finishes: good below 500, with its latency', async () => {
    const { mw, tracked, problems } = recorded();
    const base = await serve((request, response) => mw(request, response, () => route(request, response)));
    for (const path of ['/ok', '/fail', '/missing', '/slow']) await (await fetch(base + path)).text();
    await eventually('four requests counted', () => tracked.length === 4);
    expect(tracked.map((r) => r.ok)).toEqual([true, false, true, true]);
    for (const r of tracked) expect(r.latencyMs).toBeGreaterThanOrEqual(0);
    // The slow answer took its 50 ms (a timer may fire a millisecond early).
    expect(tracked[3]!.latencyMs).toBeGreaterThanOrEqual(49);
    expect(problems).toEqual([]);
  });

  it('a client that goes away before the answer counts once, as not good', async () => {
    const { mw, tracked } = recorded();
    let arrived!: () => void;
    const arriving = new Promise<void>((resolve) => (arrived = resolve));
    let held: ServerResponse | null = null;
    const base = await serve((request, response) =>
      mw(request, response, () => {
        if (request.url !== '/hang') return route(request, response);
        held = response;
        arrived();
      }),
    );
    const abort = new AbortController();
    const request = fetch(base + '/hang', { signal: abort.signal }).catch((error: Error) => error.name);
    await arriving;
    abort.abort();
    expect(await request).toBe('AbortError');
    await eventually('the abandoned request counted', () => tracked.length === 1);
    // Answering after the client left counts nothing more.
    held!.end('too late');
    await (await fetch(base + '/ok')).text();
    await eventually('the next request counted', () => tracked.length === 2);
    expect(tracked.map((r) => r.ok)).toEqual([false, true]);
  });

  it("plain node:http without next, and Fastify's reply (the Node response is its raw) count alike", async () => {
    const { mw, tracked } = recorded();
    const base = await serve((request, response) => {
      if (request.url === '/fastify') mw({ raw: request }, { raw: response }, () => route(request, response));
      else {
        mw(request, response);
        route(request, response);
      }
    });
    for (const path of ['/fail', '/fastify']) await (await fetch(base + path)).text();
    await eventually('two requests counted', () => tracked.length === 2);
    expect(tracked.map((r) => r.ok)).toEqual([false, true]);
  });

  it('calls next once, lets what next throws go through unchanged, and never throws itself', () => {
    const { mw, tracked, problems } = recorded();
    const response = new ServerResponse(new IncomingMessage(new Socket()));
    const thrown = new Error('the handler failed');
    let nexts = 0;
    expect(() => mw({}, response, () => (nexts++, (() => { throw thrown; })()))).toThrow(thrown);
    expect(nexts).toBe(1);
    // Something that is not a response: nothing counted, said once through cannotCount, next still called.
    expect(() => mw({}, undefined as never, () => nexts++)).not.toThrow();
    expect(nexts).toBe(2);
    expect(tracked).toEqual([]);
    expect(problems).toHaveLength(1);
  });

  it('(c, next) as Hono calls it: counts c.res.status after next; a thrown error counts as failed and is thrown unchanged', async () => {
    const { mw, tracked } = recorded();
    const c: { res?: Response } = {};
    await mw(c, async () => {
      c.res = new Response('created', { status: 201 });
    });
    await mw(c, async () => {
      c.res = new Response(null, { status: 502 });
    });
    const thrown = new Error('the route failed');
    await expect(mw(c, () => Promise.reject(thrown))).rejects.toBe(thrown);
    await mw(c, () => new Promise((resolve) => setTimeout(resolve, 50)).then(() => void (c.res = new Response('slow'))));
    expect(tracked.map((r) => r.ok)).toEqual([true, false, false, true]);
    expect(tracked[3]!.latencyMs).toBeGreaterThanOrEqual(49);
  });
});
