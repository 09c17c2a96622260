import type { PagingChannel } from '../team.js';
import type { PageEvent } from './event.js';
import { pagerdutyPayload, slackPayload, takes, webhookPayload } from './payloads.js';

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_RETRIES = 2;

/** One try to post to one channel. */
export interface Attempt {
  channel: string;
  /** 1 for the first try. */
  attempt: number;
  ok: boolean;
  /** The HTTP status, null when there was no answer (timeout, refused connection). */
  status: number | null;
  error: string | null;
}

/** What became of one notification sent to one channel, its backups included. */
export interface Delivery {
  channel: string;
  /** The channel that took it (this one or a backup), null when every one failed. */
  deliveredBy: string | null;
  attempts: Attempt[];
}

export interface SendOptions {
  /** Waits before retry number `retry` (1, 2, ...); tests inject one that returns at once. Default 500 ms doubling. */
  backoff?: (retry: number) => Promise<void>;
  /** Aborted when Midair closes and stops waiting: the post under way ends, no retry or backup follows. */
  signal?: AbortSignal;
  /** Told every attempt as it ends (paging writes the audit log here); its failures are ignored. */
  onAttempt?: (attempt: Attempt, event: PageEvent, final: { willRetry: boolean; backup: string | null }) => Promise<void>;
}

// Unref'd: a retry to come never keeps the process alive.
const defaultBackoff = (retry: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, 500 * 2 ** (retry - 1)).unref());

/** The backoff, cut short when `signal` aborts. */
function waitUnlessAborted(wait: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return wait;
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done);
    if (signal.aborted) done();
    void wait.then(done, done);
  });
}

/** The body a channel of this kind expects. */
function bodyFor(channel: PagingChannel, event: PageEvent): unknown {
  if (channel.kind === 'slack') return slackPayload(event);
  if (channel.kind === 'pagerduty') return pagerdutyPayload(event, channel.routingKey ?? '');
  return webhookPayload(event);
}

/**
 * Why a post got no answer, in a few fixed words: never the error's own text, which can name the
 * URL (and any secret in it).
 */
function describeFailure(error: unknown, timeoutMs: number): string {
  const e = error as Error & { cause?: { code?: unknown } };
  if (e?.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`;
  if (e?.name === 'AbortError') return 'abandoned: midair closed';
  const code = e?.cause?.code;
  // System error codes (ECONNREFUSED, ENOTFOUND, ...) are safe to show and say what went wrong.
  return typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : 'the request could not be sent';
}

async function postOnce(channel: PagingChannel, event: PageEvent, attempt: number, abandon: AbortSignal | undefined): Promise<Attempt> {
  const timeoutMs = channel.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    const response = await fetch(channel.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(bodyFor(channel, event)),
      signal: abandon ? AbortSignal.any([AbortSignal.timeout(timeoutMs), abandon]) : AbortSignal.timeout(timeoutMs),
    });
    // Read the answer so the connection is released (and a slow body is bounded by the same timeout),
    // but keep none of it: a receiver may echo what it got, routing key included.
    await response.text();
    if (response.ok) return { channel: channel.name, attempt, ok: true, status: response.status, error: null };
    return { channel: channel.name, attempt, ok: false, status: response.status, error: `answered ${response.status}` };
  } catch (error) {
    return { channel: channel.name, attempt, ok: false, status: null, error: describeFailure(error, timeoutMs) };
  }
}

/**
 * Posts the event to `channel`, retrying it `retries` times, then to its backup (and the backup's
 * backup), each channel once per chain, skipping those that do not carry the event. Never throws.
 */
export async function deliver(channels: readonly PagingChannel[], channel: PagingChannel, event: PageEvent, options: SendOptions = {}): Promise<Delivery> {
  const backoff = options.backoff ?? defaultBackoff;
  const attempts: Attempt[] = [];
  const tried = new Set<string>();
  const backupOf = (c: PagingChannel) => channels.find((b) => b.name === c.backup);
  let current: PagingChannel | undefined = channel;
  while (current && !tried.has(current.name)) {
    tried.add(current.name);
    if (!takes(current, event)) {
      // A backup that does not carry this kind of event (PagerDuty, for info): on to its own backup.
      current = backupOf(current);
      continue;
    }
    const retries = current.retries ?? DEFAULT_RETRIES;
    for (let attempt = 1; attempt <= retries + 1; attempt++) {
      if (attempt > 1) await waitUnlessAborted(backoff(attempt - 1), options.signal);
      if (options.signal?.aborted && attempts.length > 0) return { channel: channel.name, deliveredBy: null, attempts };
      const result = await postOnce(current, event, attempt, options.signal);
      attempts.push(result);
      const abandoned = options.signal?.aborted ?? false;
      const willRetry = !result.ok && !abandoned && attempt <= retries;
      const backup = !result.ok && !willRetry && !abandoned ? (current.backup ?? null) : null;
      await options.onAttempt?.(result, event, { willRetry, backup }).catch(() => undefined);
      if (result.ok) return { channel: channel.name, deliveredBy: current.name, attempts };
    }
    if (options.signal?.aborted) break;
    current = backupOf(current);
  }
  return { channel: channel.name, deliveredBy: null, attempts };
}
