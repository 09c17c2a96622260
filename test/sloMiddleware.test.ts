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

/** Koa's context as Koa makes it: its own request and response, the Node ones, and its status the response's. */
interface KoaContext {
  request: object;
  response: object;
  req: IncomingMessage;
  res: ServerResponse;
  status: number;
}

/**
 * A request listener that runs middleware as Koa does (koa-compose, then respond): each gets `(ctx, next)`,
 * the status is 404 until one is set, and an error thrown down the chain is answered with its status
 * (ctx.throw(404) throws one that has it), else 500, after the chain has seen it.
 */
function koa(...chain: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void> | void)[]): RequestListener {
  return (req, res) => {
    res.statusCode = 404;
    const ctx: KoaContext = {
      request: {},
      response: {},
      req,
      res,
      get status() {
        return res.statusCode;
      },
      set status(code: number) {
        res.statusCode = code;
      },
    };
    const dispatch = (i: number): Promise<void> => Promise.resolve(chain[i]?.(ctx, () => dispatch(i + 1)));
    dispatch(0).then(
      () => res.end(),
      (error: { status?: number }) => res.writeHead(error.status ?? 500).end(),
    );
  };
}

describe('midair.middleware(): one function for Express/Connect, node:http, Fastify, Hono and Koa', () => {
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

  it('a client that leaves a response whose headers were sent (server-sent events, a long poll) counts it good, below 500, untimed', async () => {
    const { mw, tracked } = recorded();
    const streaming: ServerResponse[] = [];
    const base = await serve((request, response) =>
      mw(request, response, () => {
        const status = request.url === '/broken-stream' ? 500 : 200;
        response.writeHead(status, { 'content-type': 'text/event-stream' });
        response.write('data: hello\n\n');
        streaming.push(response);
      }),
    );
    for (const path of ['/events', '/broken-stream']) {
      const abort = new AbortController();
      const response = await fetch(base + path, { signal: abort.signal });
      // The first event arrived: the service answered; then the client goes away, as an EventSource or a long poll does.
      const reader = response.body!.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: hello\n\n');
      abort.abort();
      await eventually(`${path} counted`, () => tracked.length === streaming.length);
    }
    // How long a client listened says nothing of the service's speed: no latency, out of the latency SLI.
    expect(tracked).toEqual([{ ok: true }, { ok: false }]);
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
    // Hono's HTTPException carries the status it is answered with.
    const missing = Object.assign(new Error('no such order'), { status: 404 });
    await expect(mw(c, () => Promise.reject(missing))).rejects.toBe(missing);
    const unavailable = Object.assign(new Error('try later'), { status: 503 });
    await expect(mw(c, () => Promise.reject(unavailable))).rejects.toBe(unavailable);
    expect(tracked.map((r) => r.ok)).toEqual([true, false, false, true, true, false]);
    expect(tracked[3]!.latencyMs).toBeGreaterThanOrEqual(49);
    // Hono makes c.res on its first read: the middleware must not read it before the route sets it.
    let readBeforeNext = false;
    let routed = false;
    const lazy = {
      req: {},
      get res() {
        if (!routed) readBeforeNext = true;
        return new Response('made on first read');
      },
    };
    await mw(lazy, async () => void (routed = true));
    expect(readBeforeNext).toBe(false);
  });

  it('(ctx, next) as Koa calls it: counts the status after next, below 500 good; a thrown error counts by its status (none: failed) and reaches Koa unchanged', async () => {
    const { mw, tracked, problems } = recorded();
    const thrown = new Error('the route failed');
    const seenByKoa: unknown[] = [];
    const base = await serve(
      koa(
        async (_ctx, next) => {
          try {
            await next();
          } catch (error) {
            seenByKoa.push(error);
            throw error;
          }
        },
        mw,
        async (ctx) => {
          if (ctx.req.url === '/fail') ctx.status = 503;
          else if (ctx.req.url === '/throw') throw thrown;
          else if (ctx.req.url === '/gone') throw Object.assign(new Error('Not Found'), { status: 404, expose: true }); // as ctx.throw(404)
          else if (ctx.req.url === '/slow') await new Promise((resolve) => setTimeout(resolve, 50)).then(() => (ctx.status = 200));
          else if (ctx.req.url === '/ok') ctx.status = 200;
        },
      ),
    );
    const statuses: number[] = [];
    for (const path of ['/ok', '/fail', '/missing', '/throw', '/gone', '/slow']) {
      const response = await fetch(base + path);
      await response.text();
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 503, 404, 500, 404, 200]);
    // A 404 thrown (ctx.throw) is the client's mistake, as a 404 answered is.
    expect(tracked.map((r) => r.ok)).toEqual([true, false, true, false, true, true]);
    expect(tracked[5]!.latencyMs).toBeGreaterThanOrEqual(49);
    expect(seenByKoa).toEqual([thrown, expect.objectContaining({ status: 404 })]);
    expect(problems).toEqual([]);
  });
});
