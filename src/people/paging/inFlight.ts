/** Whether `work` settled within `ms` (the timer never holds the process up). */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The paging work still running after the verbs that started it returned. close() waits for it
 * with a cap, then abandons it: posts and backoffs end at once (each abandoned post is audited),
 * so the database closes after the audit rows of what was done are written.
 */
export class PagingInFlight {
  private readonly running = new Set<Promise<void>>();
  private readonly abandon = new AbortController();
  /** Aborted when close() stops waiting. */
  readonly signal: AbortSignal = this.abandon.signal;

  /** `work` never rejects (afterAction turns failures into warnings). */
  track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  async close(capMs: number, warn: (message: string) => void): Promise<void> {
    if (this.running.size === 0) return;
    if (await settlesWithin(Promise.all(this.running), capMs)) return;
    warn(`notifications still sending after ${capMs} ms were abandoned at close; the audit log has what was sent ('page sent', 'page failed')`);
    this.abandon.abort();
    await Promise.all(this.running);
  }
}
