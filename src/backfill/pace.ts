/** How the pace reacts to what the application feels; see `Pace`. */
export interface PaceOptions {
  /** The share it starts at. */
  start: number;
  /** The lowest share: the backfill never stops on its own, it crawls. */
  min: number;
  /** Added to the share after a batch the application did not feel. */
  increase: number;
  /** The share is multiplied by this after a batch the application felt. */
  decrease: number;
  /** The longest pause between two batches of one worker, in ms. */
  maxPauseMs: number;
}

export const defaultPace: PaceOptions = { start: 0.25, min: 0.02, increase: 0.05, decrease: 0.5, maxPauseMs: 2000 };

/** One probe's latencies between batches, in ms; a probe that is off has none. */
export interface ProbeTimes {
  readMs?: number;
  commitMs?: number;
}

/** Runs that make an idle time, at the start and when a stale one is replaced. */
export const IDLE_RUNS = 7;
/** Below this much above idle, a slower run is jitter, not the backfill. */
const JITTER_MS = 0.5;

/**
 * One probe's idle time and its recent runs. The idle time is the slowest of its runs (about the
 * 90th percentile of seven): one run slower than the median is common on a busy server, and reading
 * it as the backfill's doing would slow the backfill for nothing.
 */
class ProbeBaseline {
  private idleMs = 0;
  private recent: number[] = [];

  constructor(readonly name: string) {}

  reset(runs: number[]): void {
    this.idleMs = Math.max(...runs);
    this.recent = [];
  }

  /** Takes the recent runs for the idle time, once there are enough of them. */
  refresh(): void {
    if (this.recent.length === IDLE_RUNS) this.reset(this.recent);
  }

  /** Records a run; says how it compares when it is slower than `ratio` times idle, else null. */
  judge(ms: number, ratio: number): string | null {
    this.recent = [...this.recent, ms].slice(-IDLE_RUNS);
    // Runs all far below idle: the idle time was measured in a busy moment, and lets too much through.
    if (Math.max(...this.recent) * ratio < this.idleMs) this.refresh();
    const limit = Math.max(this.idleMs * ratio, this.idleMs + JITTER_MS);
    return ms > limit ? `${this.name} ${ms.toFixed(1)}ms > ${limit.toFixed(1)}ms` : null;
  }
}

/**
 * How hard the backfill may work, from what the application feels: probes timed between batches (a
 * small committed write, whose commit waits behind the WAL the backfill wrote, and a read) against
 * their idle times, taken before the backfill starts.
 *
 * It keeps the share of its time a worker spends writing, adapted by additive increase and
 * multiplicative decrease (as TCP finds a network's capacity): each batch the application felt
 * halves it, each one it did not feel adds a little. The share scales both the batch (a shorter
 * burst of WAL for an application commit to wait behind) and the pause after it (time for that WAL
 * to reach disk while nothing else is written): at share s a worker writes s of the time, in bursts
 * of s times the target batch time. One Pace is shared by the workers of a process: they share the
 * server.
 */
export class Pace {
  private current: number;
  private readonly read = new ProbeBaseline('reads');
  private readonly commit = new ProbeBaseline('commits');
  /** Measurements in a row that found the application slowed while the share was at its minimum. */
  private feltAtMinimum = 0;

  /** The application counts as slowed while a probe takes more than `maxProbeRatio` times its idle time. */
  constructor(
    private readonly maxProbeRatio: number,
    readonly options: PaceOptions = defaultPace,
  ) {
    this.current = options.start;
  }

  get share(): number {
    return this.current;
  }

  /** The probes' runs before the backfill started. */
  calibrate(idle: { reads: number[]; commits: number[] }): void {
    if (idle.reads.length) this.read.reset(idle.reads);
    if (idle.commits.length) this.commit.reset(idle.commits);
  }

  /** One measurement after a batch: adapts the share; returns what the application felt (nothing: empty). */
  observe(times: ProbeTimes): string[] {
    const { min, increase, decrease } = this.options;
    const felt = [
      times.readMs === undefined ? null : this.read.judge(times.readMs, this.maxProbeRatio),
      times.commitMs === undefined ? null : this.commit.judge(times.commitMs, this.maxProbeRatio),
    ].filter((f): f is string => f !== null);
    this.feltAtMinimum = felt.length > 0 && this.current <= min ? this.feltAtMinimum + 1 : 0;
    if (this.feltAtMinimum >= IDLE_RUNS) {
      // The backfill has barely written for a while and the application is still slower than idle:
      // that is the application's own load now (more traffic than at the start), not the backfill.
      this.read.refresh();
      this.commit.refresh();
      this.feltAtMinimum = 0;
    }
    this.current = felt.length > 0 ? Math.max(min, this.current * decrease) : Math.min(1, this.current + increase);
    return felt;
  }

  /** The time the next batch should take, given the time one batch may take at full pace. */
  batchMs(targetBatchMs: number): number {
    return targetBatchMs * this.current;
  }

  /** The pause after a batch that took `batchMs`, so that work is `share` of the time. */
  pauseMs(batchMs: number): number {
    return Math.min(this.options.maxPauseMs, batchMs * (1 / this.current - 1));
  }
}
