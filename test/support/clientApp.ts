/**
 * An application instance using the Midair client, in a process of its own, for the tests that
 * run several: `node --import tsx test/support/clientApp.ts <url> <service>`. It routes the
 * `split` migration of backfillFixture.ts (users.name into first_name and last_name).
 *
 * Commands arrive as JSON lines on stdin ({seq, cmd, ...}); each is answered with {seq, result} or
 * {seq, error} on stdout. Every routing the instance applies is reported as {event: "routing", ...}
 * with the time it was applied.
 */
import { createMidair, type MigrationClient } from '../../src/index.js';
import { answerCommands, send } from './answerCommands.js';
import { splitNameClient, type UserInput } from './splitNameClient.js';

const [url, service] = process.argv.slice(2);
const midair = await createMidair({
  database: url!,
  service: service!,
  flushIntervalMs: 200,
  logger: { warn: (message) => console.error(message) },
  // These tests move routing by hand to see every instance follow; a guard judging the busy test
  // machine's latencies must not move it too (guards have tests of their own).
  traffic: { minWindowCalls: Number.MAX_SAFE_INTEGER },
});
const users: MigrationClient<UserInput, string | undefined, number | null> = midair.migration('split', splitNameClient());

users.onRoutingChange((state) => {
  send({ event: 'routing', at: Date.now(), stage: state.stage, rampPercent: state.rampPercent, killed: !!state.killed, canary: [...state.canary] });
});

/** A write load: lanes of sequential writes, each lane with ids of its own, and a ledger of what was acknowledged. */
class WriteLoad {
  readonly acked = new Map<number, string>();
  /** Ids whose last write failed, with the name it tried (it may or may not have committed). */
  readonly failed = new Map<number, string>();
  readonly errors: string[] = [];
  writes = 0;
  reads = 0;
  private stopped = false;
  private lanes: Promise<void>[] = [];

  constructor(private readonly tag: string) {}

  start(ids: number[], lanes: number): void {
    for (let l = 0; l < lanes; l++) this.lanes.push(this.lane(ids.filter((_, i) => i % lanes === l)));
  }

  private async lane(ids: number[]): Promise<void> {
    let n = 0;
    while (!this.stopped) {
      const id = ids[n % ids.length]!;
      const name = `${this.tag}${n} Writer${id}`;
      n++;
      try {
        await users.write({ id, name });
        this.acked.set(id, name);
        this.failed.delete(id);
        this.writes++;
        await users.read({ id });
        this.reads++;
      } catch (error) {
        this.failed.set(id, name);
        this.errors.push((error as Error).message);
      }
    }
  }

  async stop() {
    this.stopped = true;
    await Promise.all(this.lanes);
    return { acked: Object.fromEntries(this.acked), failed: Object.fromEntries(this.failed), errors: this.errors.slice(0, 20), writes: this.writes, reads: this.reads };
  }
}

let load: WriteLoad | null = null;

type Command =
  | { cmd: 'newKeys'; from: number; to: number }
  | { cmd: 'read'; id: number }
  | { cmd: 'write'; id: number; name: string }
  | { cmd: 'startWrites'; ids: number[]; lanes: number; tag: string }
  | { cmd: 'progress' }
  | { cmd: 'stopWrites' }
  | { cmd: 'flush' }
  | { cmd: 'close' };

async function handle(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'newKeys': {
      const keys: number[] = [];
      for (let id = command.from; id < command.to; id++) if (users.route({ id }) === 'new') keys.push(id);
      return keys;
    }
    case 'read':
      return users.read({ id: command.id });
    case 'write':
      return users.write({ id: command.id, name: command.name });
    case 'startWrites':
      load = new WriteLoad(command.tag);
      load.start(command.ids, command.lanes);
      return null;
    case 'progress':
      return { writes: load?.writes ?? 0, reads: load?.reads ?? 0, errors: load?.errors.length ?? 0 };
    case 'stopWrites':
      return load!.stop();
    case 'flush':
      return midair.flushEvidence();
    case 'close':
      await midair.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

answerCommands(handle);
