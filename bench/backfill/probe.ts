import type pg from 'pg';
import { connectClient } from './database.js';

export interface ProbeStats {
  ops: number;
  p50Ms: number;
  p99Ms: number;
}

const CONNECTIONS = 4;
/** Each connection pauses this long between operations: an application's steady traffic, not a load test. */
const THINK_MS = 5;
/** The share of operations that are single-row updates (the rest are point reads). */
const UPDATE_SHARE = 0.25;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

export function statsOf(latencies: number[]): ProbeStats {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { ops: sorted.length, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
}

async function loop(client: pg.Client, rows: number, latencies: number[], running: () => boolean): Promise<void> {
  while (running()) {
    const id = 1 + Math.floor(Math.random() * rows);
    const started = performance.now();
    if (Math.random() < UPDATE_SHARE) await client.query('UPDATE users SET last_seen_at = now() WHERE id = $1', [id]);
    else await client.query('SELECT id, name, email, plan FROM users WHERE id = $1', [id]);
    latencies.push(performance.now() - started);
    await sleep(THINK_MS);
  }
}

/**
 * The application as the old release sees it: a few connections doing point reads and single-row
 * updates (through the sync trigger when a migration is active) on random rows of the table.
 */
export class ProbeWorkload {
  private latencies: number[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private clients: pg.Client[] = [];

  private constructor(private readonly rows: number) {}

  static async open(url: string, rows: number): Promise<ProbeWorkload> {
    const probe = new ProbeWorkload(rows);
    for (let i = 0; i < CONNECTIONS; i++) probe.clients.push(await connectClient(url, `bench probe ${i + 1}`));
    return probe;
  }

  start(): void {
    this.latencies = [];
    this.running = true;
    this.loops = this.clients.map((c) => loop(c, this.rows, this.latencies, () => this.running));
  }

  /** Stops the workload; returns the latency of every operation since start, in ms. */
  async stop(): Promise<number[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.latencies;
  }

  /** Runs the workload alone for a while: the latency it sees with nothing else going on. */
  async idle(seconds: number): Promise<number[]> {
    this.start();
    await sleep(seconds * 1000);
    return this.stop();
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.end()));
  }
}
