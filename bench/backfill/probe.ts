import type pg from 'pg';
import { connectClient } from './database.js';

export interface ProbeStats {
  ops: number;
  p50Ms: number;
  p99Ms: number;
  /** The p99 of the point reads alone, and of the committed single-row updates alone. */
  readP99Ms: number;
  writeP99Ms: number;
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

const sorted = (latencies: number[]) => [...latencies].sort((a, b) => a - b);

export function statsOf(samples: ProbeSamples): ProbeStats {
  const all = sorted([...samples.reads, ...samples.writes]);
  return {
    ops: all.length,
    p50Ms: percentile(all, 0.5),
    p99Ms: percentile(all, 0.99),
    readP99Ms: percentile(sorted(samples.reads), 0.99),
    writeP99Ms: percentile(sorted(samples.writes), 0.99),
  };
}

/** Latencies in ms of the workload's operations, by kind. */
export interface ProbeSamples {
  reads: number[];
  writes: number[];
}

async function loop(client: pg.Client, rows: number, samples: ProbeSamples, running: () => boolean): Promise<void> {
  while (running()) {
    const id = 1 + Math.floor(Math.random() * rows);
    const write = Math.random() < UPDATE_SHARE;
    const started = performance.now();
    if (write) await client.query('UPDATE users SET last_seen_at = now() WHERE id = $1', [id]);
    else await client.query('SELECT id, name, email, plan FROM users WHERE id = $1', [id]);
    (write ? samples.writes : samples.reads).push(performance.now() - started);
    await sleep(THINK_MS);
  }
}

/**
 * The application as the old release sees it: a few connections doing point reads and single-row
 * updates (through the sync trigger when a migration is active) on random rows of the table.
 */
export class ProbeWorkload {
  private samples: ProbeSamples = { reads: [], writes: [] };
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
    this.samples = { reads: [], writes: [] };
    this.running = true;
    this.loops = this.clients.map((c) => loop(c, this.rows, this.samples, () => this.running));
  }

  /** Stops the workload; returns the latency of every operation since start. */
  async stop(): Promise<ProbeSamples> {
    this.running = false;
    await Promise.all(this.loops);
    return this.samples;
  }

  /** Runs the workload alone for a while: the latency it sees with nothing else going on. */
  async idle(seconds: number): Promise<ProbeSamples> {
    this.start();
    await sleep(seconds * 1000);
    return this.stop();
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.end()));
  }
}
