import type { Queryable } from '../db/executor.js';
import { readRouting, ROUTING_CHANNEL, type RoutingState } from '../stages/routing.js';
import type { ClientLogger } from './spec.js';
import type { ClientTransport } from './transport.js';

/** How often routing is read again when no notification says it changed. */
export interface PollIntervals {
  /** While the LISTEN connection is up: a safety net only. */
  listeningMs: number;
  /** While it is down: fast enough that a change still reaches the instance within a second. */
  notListeningMs: number;
}

export const DEFAULT_POLL: PollIntervals = { listeningMs: 5_000, notListeningMs: 300 };

/** What an instance knows of one migration's routing. */
export interface RoutingView {
  /** The last routing read; null before the first answer, or when the migration was never known. */
  state: RoutingState | null;
  /** Set when the control schema answered that it has no migration of this name: the ones it has. */
  unknownAmong: string[] | null;
}

interface Entry extends RoutingView {
  name: string;
  firstAnswer: Promise<void>;
  answered: () => void;
  running: Promise<void> | null;
  again: boolean;
  listeners: Set<(state: RoutingState) => void>;
}

function sameRouting(a: RoutingState | null, b: RoutingState): boolean {
  return !!a && a.migrationId === b.migrationId && a.stage === b.stage && a.rampPercent === b.rampPercent && !!a.killed === !!b.killed
    && a.canary.size === b.canary.size && [...b.canary].every((k) => a.canary.has(k));
}

function describe(entry: Entry): string {
  const s = entry.state;
  if (!s) return `${entry.name}: old (routing never read)`;
  return `${entry.name}: ${s.stage}${s.stage === 'live' ? ` ${s.rampPercent}%` : ''}${s.killed ? ' (killed)' : ''}`;
}

/**
 * Keeps each migration's routing current in one instance: re-reads a migration when a notification
 * on the routing channel names it, and every few seconds anyway (often while the LISTEN connection
 * is down). When the control schema cannot be read it keeps the last known routing and says so
 * once per outage.
 */
export class RoutingWatcher {
  private readonly entries = new Map<string, Entry>();
  private listening = false;
  private listener: { close(): Promise<void> } | null = null;
  private starting: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private outage = false;
  private listenerDown = false;
  private closed = false;

  constructor(
    private readonly transport: ClientTransport,
    private readonly logger: ClientLogger,
    private readonly poll: PollIntervals = DEFAULT_POLL,
  ) {}

  /** Starts following a migration (and the LISTEN connection, with the first one). */
  watch(name: string): void {
    if (this.entries.has(name)) return;
    let answered!: () => void;
    const firstAnswer = new Promise<void>((resolve) => (answered = resolve));
    const entry: Entry = { name, state: null, unknownAmong: null, firstAnswer, answered, running: null, again: false, listeners: new Set() };
    this.entries.set(name, entry);
    this.starting ??= this.start().catch((error: Error) => {
      this.logger.warn(`midair: cannot listen for routing changes (${error.message}); polling every ${this.poll.notListeningMs} ms`);
    });
    void this.refresh(entry);
  }

  /** Settles once the control schema answered about the migration, or failed to. */
  firstAnswer(name: string): Promise<void> {
    return this.entry(name).firstAnswer;
  }

  view(name: string): RoutingView {
    const { state, unknownAmong } = this.entry(name);
    return { state, unknownAmong };
  }

  /** Calls fn with each new routing of the migration; returns the unsubscribe. */
  onChange(name: string, fn: (state: RoutingState) => void): () => void {
    const entry = this.entry(name);
    entry.listeners.add(fn);
    return () => entry.listeners.delete(fn);
  }

  /** Every migration followed, with its last known routing. */
  states(): RoutingState[] {
    return [...this.entries.values()].flatMap((e) => (e.state ? [e.state] : []));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.starting;
    await this.listener?.close();
    await Promise.all([...this.entries.values()].map((e) => e.running));
  }

  private entry(name: string): Entry {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`routing of "${name}" is not watched`);
    return entry;
  }

  private async start(): Promise<void> {
    this.schedulePoll();
    this.listener = await this.transport.listen(ROUTING_CHANNEL, {
      onNotify: (payload) => {
        const entry = this.entries.get(payload);
        if (entry) void this.refresh(entry);
      },
      onUp: () => {
        this.listening = true;
        if (this.listenerDown) this.logger.warn('midair: listening for routing changes again');
        this.listenerDown = false;
        this.schedulePoll();
        // Notifications sent while it was down are lost: read everything once.
        for (const entry of this.entries.values()) void this.refresh(entry);
      },
      onDown: (error) => {
        this.listening = false;
        if (!this.listenerDown) {
          this.logger.warn(`midair: the connection listening for routing changes dropped (${error.message}); polling every ${this.poll.notListeningMs} ms while it reconnects`);
        }
        this.listenerDown = true;
        this.schedulePoll();
      },
    });
    if (this.closed) await this.listener.close();
  }

  private schedulePoll(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void Promise.all([...this.entries.values()].map((e) => this.refresh(e))).then(() => this.schedulePoll());
    }, this.listening ? this.poll.listeningMs : this.poll.notListeningMs);
    this.timer.unref();
  }

  /** Reads a migration's routing; a read asked for while one runs runs again after it, so the last answer wins. */
  private refresh(entry: Entry): Promise<void> {
    if (entry.running) {
      entry.again = true;
      return entry.running;
    }
    entry.running = (async () => {
      do {
        entry.again = false;
        await this.readOnce(entry);
      } while (entry.again && !this.closed);
      entry.running = null;
    })();
    return entry.running;
  }

  private async readOnce(entry: Entry): Promise<void> {
    try {
      const state = await readRouting(this.transport.control, entry.name);
      if (state) {
        const changed = !sameRouting(entry.state, state);
        entry.state = state;
        entry.unknownAmong = null;
        if (changed) for (const fn of entry.listeners) fn(state);
      } else {
        entry.unknownAmong = await migrationNames(this.transport.control);
      }
      if (this.outage) this.logger.warn('midair: the control schema answers again; routing is current');
      this.outage = false;
    } catch (error) {
      if (!this.outage && !this.closed) {
        const kept = [...this.entries.values()].map(describe).join('; ');
        this.logger.warn(`midair: cannot read routing from the control schema (${(error as Error).message}); keeping the last known routing until it answers: ${kept}`);
      }
      this.outage = true;
    }
    entry.answered();
  }
}

async function migrationNames(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ name: string }>('SELECT DISTINCT name FROM midair.migrations ORDER BY name');
  return rows.map((r) => r.name);
}
