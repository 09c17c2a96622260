/**
 * One application client writing in a loop while a migration runs: `write(i)` makes the i-th
 * write and says whether the database acknowledged it (the caller records it in its ledger).
 * Bounded, so a test that goes wrong cannot write forever; no clock involved.
 */
export class WriteLoop {
  /** Acknowledged writes still to make before stopping; Infinity until stop() is called. */
  private remaining = Infinity;
  private done: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (i: number) => Promise<boolean>,
    private readonly maxAttempts = 1_000_000,
  ) {}

  start(): void {
    this.done = (async () => {
      for (let i = 0; this.remaining > 0 && i < this.maxAttempts; i++) {
        if (await this.write(i)) this.remaining--;
      }
    })();
    // A failed write surfaces from stop(); until then it must not count as unhandled.
    this.done.catch(() => {});
  }

  /** Stops after `more` acknowledged writes, so that writes surely ran in the stage just reached. */
  async stop(more = 20): Promise<void> {
    this.remaining = more;
    await this.done;
  }
}
