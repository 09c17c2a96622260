import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './project.js';

/** A routing an instance applied, as test/support/clientApp.ts reports it. */
export interface AppliedRouting {
  at: number;
  stage: string;
  rampPercent: number;
  killed: boolean;
  canary: string[];
}

export interface ClientProcess {
  child: ChildProcess;
  /** Every routing the instance applied, in order. */
  routings: AppliedRouting[];
  /** What it wrote to stderr (the client's log). */
  log(): string;
  call<T = unknown>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  /** The first routing applied at or after `since` (epoch ms) that matches, waiting up to `timeoutMs`. */
  applied(match: (r: AppliedRouting) => boolean, since: number, timeoutMs?: number): Promise<AppliedRouting>;
  close(): Promise<void>;
}

/**
 * Starts test/support/clientApp.ts (or another `app` speaking its protocol, given `args` after the
 * URL and the service) as a real process: an instance of `service`.
 */
export function spawnClientApp(url: string, service: string, app: { script: string; args: string[] } = { script: 'test/support/clientApp.ts', args: [] }): ClientProcess {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, app.script), url, service, ...app.args], { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const routings: AppliedRouting[] = [];
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const watchers = new Set<() => void>();
  let stderr = '';
  let buffered = '';
  let next = 1;
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.on('close', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`${service} exited (${code}): ${stderr}`));
    waiting.clear();
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const message = JSON.parse(line) as { seq?: number; result?: unknown; error?: string; event?: string } & AppliedRouting;
      if (message.event === 'routing') {
        routings.push({ at: message.at, stage: message.stage, rampPercent: message.rampPercent, killed: message.killed, canary: message.canary });
        for (const w of watchers) w();
      } else if (message.seq !== undefined) {
        const w = waiting.get(message.seq);
        waiting.delete(message.seq);
        if (message.error !== undefined) w?.reject(new Error(message.error));
        else w?.resolve(message.result);
      }
    }
  });
  return {
    child,
    routings,
    log: () => stderr,
    call<T>(cmd: string, args: Record<string, unknown> = {}) {
      const seq = next++;
      return new Promise<T>((resolve, reject) => {
        waiting.set(seq, { resolve: resolve as (value: unknown) => void, reject });
        child.stdin!.write(JSON.stringify({ seq, cmd, ...args }) + '\n');
      });
    },
    applied(match, since, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = routings.find((r) => r.at >= since && match(r));
          if (!found) return;
          watchers.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          watchers.delete(check);
          reject(new Error(`${service} did not apply the expected routing within ${timeoutMs} ms; it applied ${JSON.stringify(routings)}; log: ${stderr}`));
        }, timeoutMs);
        watchers.add(check);
        check();
      });
    },
    async close() {
      if (child.exitCode === null) await this.call('close').catch(() => {});
      await exited;
    },
  };
}
