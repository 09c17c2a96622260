import type { TrackedRequest } from './requestCounts.js';

/** What the middleware needs of a Node response: Express's, Connect's, Koa's `ctx.res` and node:http's are the same object. */
export interface NodeResponse {
  statusCode: number;
  headersSent: boolean;
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

/** Koa's context: the Node request and response, the status set by the middleware after this one. */
export interface KoaContext {
  request: unknown;
  response: unknown;
  req: unknown;
  res: NodeResponse;
}

/**
 * One function for every framework (docs/slo.md, "The built-in SLI"):
 * Express/Connect and node:http `(req, res, next?)`, Fastify's onRequest hook `(request, reply, done)`,
 * Hono `(c, next)` and Koa `(ctx, next)`.
 */
export interface Middleware {
  (request: unknown, response: NodeResponse | FastifyReply, next?: () => void): void;
  (c: HonoContext, next: () => Promise<void>): Promise<void>;
  (ctx: KoaContext, next: () => Promise<unknown>): Promise<void>;
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
 * connection closes before that ('close'). A close before the headers were sent is not good: the
 * service never answered, whether the client gave up waiting or went away. A close after them
 * (server-sent events, a long poll the client leaves) is the client's doing: good unless 5xx, and
 * untimed, since how long the client listened says nothing of the service's speed. Only listeners
 * on the request path, no I/O.
 */
function countWhenAnswered(tracking: Tracking, reply: NodeResponse | FastifyReply): void {
  try {
    const response = 'raw' in reply ? reply.raw : reply;
    const started = process.hrtime.bigint();
    let counted = false;
    const count = (request: TrackedRequest) => {
      if (counted) return;
      counted = true;
      tracking.track(request);
    };
    response.once('finish', () => count({ ok: response.statusCode < 500, latencyMs: elapsedMs(started) }));
    response.once('close', () =>
      count(response.headersSent ? { ok: response.statusCode < 500 } : { ok: false, latencyMs: elapsedMs(started) }),
    );
  } catch (error) {
    tracking.cannotCount(error);
  }
}

/**
 * The status an error thrown down the chain will be answered with, when it says: Koa's `ctx.throw(404)`
 * (http-errors) and Hono's HTTPException carry `status`. Anything else is answered 500.
 */
function thrownStatus(error: unknown): number {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}

/**
 * Hono and Koa: counted by the status once the handlers after the middleware ran (`status()`); a
 * handler that throws counts by the status it will be answered with, and its error goes on unchanged.
 */
async function countAfterNext(tracking: Tracking, status: () => number | undefined, next: () => Promise<unknown>): Promise<void> {
  const started = process.hrtime.bigint();
  try {
    await next();
  } catch (error) {
    // A 404 thrown by the route is the client's mistake, as a 404 answered is.
    tracking.track({ ok: thrownStatus(error) < 500, latencyMs: elapsedMs(started) });
    throw error;
  }
  const code = status();
  tracking.track({ ok: typeof code === 'number' && code < 500, latencyMs: elapsedMs(started) });
}

/**
 * Koa's ctx has its own `request` and `response` objects besides the Node ones (`ctx.req`, `ctx.res`);
 * Hono's c has neither, and its `c.res` (a Web Response made on first read) is not touched before next.
 */
function isKoaContext(context: unknown): context is KoaContext {
  if (typeof context !== 'object' || context === null || !('request' in context) || !('response' in context)) return false;
  return typeof (context as Partial<KoaContext>).res?.statusCode === 'number';
}

/** The middleware of `midair.middleware()`: it tells Hono's `(c, next)` and Koa's `(ctx, next)` by their second argument, a function. */
export function middleware(tracking: Tracking): Middleware {
  return function midairMiddleware(first: unknown, second: unknown, next?: () => void): Promise<void> | void {
    if (typeof second === 'function') {
      const proceed = second as () => Promise<unknown>;
      if (isKoaContext(first)) return countAfterNext(tracking, () => first.res.statusCode, proceed);
      return countAfterNext(tracking, () => (first as HonoContext | null)?.res?.status, proceed);
    }
    countWhenAnswered(tracking, second as NodeResponse | FastifyReply);
    next?.();
  } as Middleware;
}
