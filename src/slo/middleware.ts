import type { TrackedRequest } from './requestCounts.js';

/** What the middleware needs of a Node response: Express's, Connect's and node:http's are the same object. */
export interface NodeResponse {
  statusCode: number;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/** Fastify's reply: the Node response is its `raw`. */
export interface FastifyReply {
  raw: NodeResponse;
}

/** Hono's context: its response is set once the handlers after the middleware ran. */
export interface HonoContext {
  res?: { status: number };
}

/**
 * One function for every framework (docs/slo.md, "The built-in SLI"):
 * Express/Connect and node:http `(req, res, next?)`, Fastify's onRequest hook `(request, reply, done)`,
 * and Hono `(c, next)`.
 */
export interface Middleware {
  (request: unknown, response: NodeResponse | FastifyReply, next?: () => void): void;
  (c: HonoContext, next: () => Promise<void>): Promise<void>;
}

/** What a request counts as, and where a middleware that cannot count says so (once). */
export interface Tracking {
  track(request: TrackedRequest): void;
  cannotCount(error: unknown): void;
}

function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * Counts a Node response when it is answered ('finish': good unless its status is 5xx), or when the
 * connection closes before that ('close': the service never answered, so the request is not good,
 * whether the client gave up waiting or went away). Only listeners on the request path, no I/O.
 */
function countWhenAnswered(tracking: Tracking, reply: NodeResponse | FastifyReply): void {
  try {
    const response = 'raw' in reply ? reply.raw : reply;
    const started = process.hrtime.bigint();
    let counted = false;
    const count = (answered: boolean) => {
      if (counted) return;
      counted = true;
      tracking.track({ ok: answered && response.statusCode < 500, latencyMs: elapsedMs(started) });
    };
    response.once('finish', () => count(true));
    response.once('close', () => count(false));
  } catch (error) {
    tracking.cannotCount(error);
  }
}

/** Hono: a handler that throws counts as failed, and its error goes on unchanged. */
async function countHono(tracking: Tracking, c: HonoContext, next: () => Promise<void>): Promise<void> {
  const started = process.hrtime.bigint();
  try {
    await next();
  } catch (error) {
    tracking.track({ ok: false, latencyMs: elapsedMs(started) });
    throw error;
  }
  const status = c?.res?.status;
  tracking.track({ ok: typeof status === 'number' && status < 500, latencyMs: elapsedMs(started) });
}

/** The middleware of `midair.middleware()`: it tells Hono's `(c, next)` by its second argument, a function. */
export function middleware(tracking: Tracking): Middleware {
  return function midairMiddleware(first: unknown, second: unknown, next?: () => void): Promise<void> | void {
    if (typeof second === 'function') return countHono(tracking, first as HonoContext, second as () => Promise<void>);
    countWhenAnswered(tracking, second as NodeResponse | FastifyReply);
    next?.();
  } as Middleware;
}
