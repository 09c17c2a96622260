/** One request as an application saw it: whether it succeeded and, optionally, how long it took. */
export interface TrackedRequest {
  ok: boolean;
  /** How long the answer took. Without it (or when it is not a finite, non-negative number) the request is left out of the latency SLI. */
  latencyMs?: number;
}

/** A minute's counts, as midair.service_minutes keeps them. */
export interface MinuteCount {
  /** The minute's start, ms since the epoch. */
  minute: number;
  total: number;
  good: number;
  /** Requests that carried a usable latency: the latency SLI is fast of timed, so an untimed request is not a slow one. */
  timed: number;
  fast: number;
}

/**
 * Requests counted per minute in memory, on the request path: a map lookup and four additions, never
 * I/O. The flusher takes them in the background and puts back what it could not write.
 */
export class RequestCounts {
  private minutes = new Map<number, MinuteCount>();

  /** `underMs`: the latency objective's bound (a request under it is fast); null counts no request timed or fast. */
  constructor(private readonly underMs: number | null) {}

  add(request: TrackedRequest, now: number = Date.now()): void {
    const minute = now - (now % 60_000);
    let count = this.minutes.get(minute);
    if (!count) this.minutes.set(minute, (count = { minute, total: 0, good: 0, timed: 0, fast: 0 }));
    count.total += 1;
    if (request.ok) count.good += 1;
    const latency = request.latencyMs;
    // A NaN, an Infinity or a negative duration (a clock that jumped) says nothing about speed.
    if (this.underMs === null || typeof latency !== 'number' || !Number.isFinite(latency) || latency < 0) return;
    count.timed += 1;
    if (latency < this.underMs) count.fast += 1;
  }

  take(): MinuteCount[] {
    const taken = [...this.minutes.values()];
    this.minutes = new Map();
    return taken;
  }

  /** Puts back counts a flush could not write, merged with what came since. */
  restore(counts: MinuteCount[]): void {
    for (const c of counts) {
      const now = this.minutes.get(c.minute);
      if (!now) this.minutes.set(c.minute, { ...c });
      else {
        now.total += c.total;
        now.good += c.good;
        now.timed += c.timed;
        now.fast += c.fast;
      }
    }
  }
}
