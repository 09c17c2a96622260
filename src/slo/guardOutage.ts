/**
 * Says when a guard that judges every few seconds starts failing to judge, and when it judges again:
 * once each, not every round (Prometheus down for an hour is two lines in the log, not 360).
 */
export class GuardOutage {
  private down = false;

  /** `guard` names it in the log, e.g. `the budget guard of service "api"`. */
  constructor(
    private readonly guard: string,
    private readonly warn: (message: string) => void,
  ) {}

  /**
   * One round of the guard: `judge` gets where to say an SLI it could not read. A round that throws,
   * or heard of an SLI it could not read, could not judge; any other round judged.
   */
  async round(judge: (onSliUnknown: (reason: string) => void) => Promise<void>): Promise<void> {
    let unknown: string | null = null;
    try {
      await judge((reason) => (unknown ??= reason));
    } catch (error) {
      this.failed((error as Error).message);
      return;
    }
    if (unknown === null) this.judged();
    else this.failed(unknown);
  }

  /** A round that could not judge: said when it starts an outage. */
  private failed(reason: string): void {
    if (!this.down) this.warn(`${this.guard} cannot judge: ${reason}; it acts again once it can (the gates refuse risky steps meanwhile)`);
    this.down = true;
  }

  /** A round that judged: said when it ends an outage. */
  private judged(): void {
    if (this.down) this.warn(`${this.guard} judges again`);
    this.down = false;
  }
}
