import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { ClientConnection, Connector } from './connection.js';
import type { RequestStats } from './stats.js';
import type { Release, Workload } from './types.js';

export interface FleetOptions {
  clients: number;
  connect: Connector;
  workload: Workload;
  stats: RequestStats;
  /** The stage requests are counted against. */
  stage: () => string;
}

/**
 * The simulated application: `clients` loops, each sending one request after another. The share of
 * clients on the new release moves in steps; a client switches between two requests, as an
 * instance of a rolling deploy does.
 */
export class Fleet {
  private connections: ClientConnection[] = [];
  private loops: Promise<void>[] = [];
  private stopping = false;
  private newClients = 0;

  constructor(private readonly options: FleetOptions) {}

  get newClientCount(): number {
    return this.newClients;
  }

  /** The first ceil(clients * percent / 100) clients run the new release. */
  setNewShare(percent: number): void {
    this.newClients = Math.ceil((this.options.clients * percent) / 100);
  }

  async start(): Promise<void> {
    // One by one, so that stop() closes the ones opened when a later one fails.
    for (let i = 0; i < this.options.clients; i++) this.connections.push(await this.options.connect());
    this.loops = this.connections.map((connection, i) => this.run(i, connection));
  }

  /** Lets every in-flight request finish, then closes the connections. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
    await Promise.all(this.connections.map((c) => c.close()));
    this.loops = [];
    this.connections = [];
  }

  private async run(index: number, connection: ClientConnection): Promise<void> {
    const { workload, stats, stage } = this.options;
    while (!this.stopping) {
      const release: Release = index < this.newClients ? 'new' : 'old';
      const started = performance.now();
      try {
        await workload.request(release, await connection.session(release));
        stats.record(stage(), release, performance.now() - started);
      } catch (error) {
        stats.record(stage(), release, performance.now() - started, error);
        await sleep(5); // a broken connection must not turn into a busy loop
      }
      // The embedded database answers without yielding; timers (progress, stage clocks) need a turn.
      await yieldToEventLoop();
    }
  }
}
