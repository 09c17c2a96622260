import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { RequestStats } from './stats.js';
import type { RecordRouter, RequestTrace, Workload } from './types.js';

/** An application instance as the fleet uses it; its router changes once (from the old shape alone to the Midair client). */
export interface RoutedInstance<I> {
  router: RecordRouter<I>;
}

export interface FleetOptions<I> {
  /** Concurrent request loops. */
  clients: number;
  /** The application instances; client i sends its requests through instance i mod their count. */
  instances: RoutedInstance<I>[];
  workload: Workload<I>;
  stats: RequestStats;
  /** The stage a request is counted against, read when it starts. */
  stage: () => string;
}

/**
 * The simulated application: `clients` loops, each sending one request after another through the
 * Midair client of the instance it belongs to. Which shape serves a request is the client's
 * routing decision for that record, not a property of the loop.
 */
export class Fleet<I> {
  private loops: Promise<void>[] = [];
  private stopping = false;

  constructor(private readonly options: FleetOptions<I>) {}

  start(): void {
    const { clients, instances } = this.options;
    this.loops = Array.from({ length: clients }, (_, i) => this.run(instances[i % instances.length]!));
  }

  /** Lets every in-flight request finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async run(instance: RoutedInstance<I>): Promise<void> {
    const { workload, stats, stage } = this.options;
    while (!this.stopping) {
      const trace: RequestTrace = { side: null };
      // A request counts to the stage it was routed in, not the one it ended in.
      const during = stage();
      const started = performance.now();
      try {
        await workload.request(instance.router, trace);
        if (trace.side) stats.record(during, trace.side, performance.now() - started);
      } catch (error) {
        stats.record(during, trace.side ?? 'old', performance.now() - started, error);
        await sleep(5); // a broken connection must not turn into a busy loop
      }
      // The embedded database answers without yielding; timers (progress, stage clocks, the client's flush) need a turn.
      await yieldToEventLoop();
    }
  }
}
