import type pg from 'pg';
import { measure, type Footprint } from './footprint.js';
import type { Method } from './method.js';
import { statsOf, type ProbeStats, type ProbeWorkload } from './probe.js';
import { freshUsers } from './usersTable.js';

/** The probe workload's idle baseline: long enough for a p99 of some thousand operations. */
const IDLE_SECONDS = 6;

export interface Bench {
  db: pg.Client;
  url: string;
  rows: number;
  probe: ProbeWorkload;
  say(message: string): void;
}

/** The method alone on the server, on a fresh copy: its throughput, WAL and table growth. */
export async function runAlone(bench: Bench, method: Method): Promise<Footprint & { note: string | null }> {
  await freshUsers(bench.db, bench.rows);
  await method.prepare();
  let note: string | null = null;
  const footprint = await measure(bench.db, async () => {
    note = await method.run();
  });
  await method.check();
  await method.cleanup();
  bench.say(`${method.label}: ${Math.round(bench.rows / footprint.seconds)} rows/s alone in ${footprint.seconds.toFixed(1)}s`);
  return { ...footprint, note };
}

/**
 * The method again on a fresh copy, under the probe workload, after the workload's idle baseline on
 * the same copy (sampled before the run only: afterwards the table's dead row versions would slow
 * the baseline down and flatter the ratio).
 */
export async function runUnderLoad(bench: Bench, method: Method): Promise<{ seconds: number; idle: ProbeStats; loaded: ProbeStats; note: string | null }> {
  await freshUsers(bench.db, bench.rows);
  await method.prepare();
  const idle = statsOf(await bench.probe.idle(IDLE_SECONDS));
  bench.probe.start();
  const started = performance.now();
  let note: string | null;
  try {
    note = await method.run();
  } catch (error) {
    await bench.probe.stop();
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  const loaded = statsOf(await bench.probe.stop());
  await method.check();
  await method.cleanup();
  bench.say(`${method.label}: ${Math.round(bench.rows / seconds)} rows/s under load, probe p99 ${idle.p99Ms.toFixed(2)} -> ${loaded.p99Ms.toFixed(2)} ms`);
  return { seconds, idle, loaded, note };
}
