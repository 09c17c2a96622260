import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './databases.js';
import { exited, findServerBinary, freePort, type ServerBinary } from './serverProcess.js';
import { eventually } from './until.js';

/** A private Prometheus scraping the test's exporter every second. */
export interface Prometheus {
  /** Its base URL, http://127.0.0.1:<port>, as a service's sli.prometheus.url. */
  url: string;
  /** The scrape job's name, for queries: {job="<job>"}. */
  job: string;
  /** The value of an instant query now: null while it gives no series (fails on anything but one series). */
  value(query: string): Promise<number | null>;
  stop(): Promise<void>;
}

/** Debian's package installs /usr/bin/prometheus. */
export const PROMETHEUS: ServerBinary = { name: 'prometheus', variable: 'PROMETHEUS', dirs: ['/usr/bin'], neededBy: 'the Prometheus SLI tests' };
const JOB = 'api';

function configText(target: string): string {
  return [
    'global:',
    // Every second, so that a test sees its counters in Prometheus within seconds.
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    `  - job_name: ${JOB}`,
    '    static_configs:',
    `      - targets: ["${target}"]`,
    '',
  ].join('\n');
}

/** The value of one instant query, read through the HTTP API. */
async function valueOf(url: string, query: string): Promise<number | null> {
  const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query })}`);
  const answer = (await response.json()) as { status: string; error?: string; data: { result: { value: [number, string] }[] } };
  if (answer.status !== 'success') throw new Error(`Prometheus rejected ${query}: ${answer.error}`);
  const { result } = answer.data;
  if (result.length > 1) throw new Error(`${query} gives ${result.length} series, not one`);
  return result.length ? Number(result[0]!.value[1]) : null;
}

/** Whether a GET of `url` answers 200: false while nothing listens yet. */
async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url)).ok;
  } catch {
    return false;
  }
}

/**
 * Starts Prometheus on a free port with its storage in a temporary folder, scraping `target`
 * (host:port serving /metrics); resolves once it is ready and has scraped the target once.
 * Call stop() in afterAll: it stops the process and removes the folder.
 */
export async function startPrometheus(target: string): Promise<Prometheus> {
  const binary = findServerBinary(PROMETHEUS);
  const dir = tempDir('prometheus');
  const configFile = join(dir.path, 'prometheus.yml');
  writeFileSync(configFile, configText(target));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    binary,
    [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir.path, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.on('error', (error) => (log += `${error.message}\n`));
  let gone = false;
  void exited(child).then(() => (gone = true));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited(child);
    dir.remove();
  };
  /** `check`, unless Prometheus has exited (it logs why: a bad flag, a port taken). */
  const whileRunning = (what: string, check: () => Promise<boolean>) => async () => {
    if (gone) throw new Error(`prometheus exited (code ${child.exitCode}, signal ${child.signalCode}) before ${what}`);
    return check();
  };
  try {
    await eventually('Prometheus to be ready (/-/ready)', whileRunning('it was ready', () => answers(`${url}/-/ready`)));
    await eventually(`Prometheus to scrape ${target}`, whileRunning(`it scraped ${target}`, async () => (await valueOf(url, `up{job="${JOB}"}`)) === 1));
  } catch (error) {
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nprometheus's log:\n${log}`);
  }
  return { url, job: JOB, value: (query) => valueOf(url, query), stop };
}
