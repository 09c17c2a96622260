import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { BackfillProgress, BackfillResult } from '../../src/index.js';
import { REPO } from './project.js';

export interface BackfillProcess {
  child: ChildProcess;
  /** Progress reports so far, in order. */
  progress: BackfillProgress[];
  /** Settles when the process exits, however it exits. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; result: BackfillResult | null; stderr: string }>;
}

/** Starts test/support/backfillChild.ts as a real process (see there for what it prints). */
export function spawnBackfill(url: string, options: { workers: number; batchSize: number; targetBatchMs: number; maxRowsPerSecond?: number; config?: Record<string, unknown>; migration?: string }): BackfillProcess {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'test/support/backfillChild.ts'), url, String(options.workers), String(options.batchSize), String(options.targetBatchMs), String(options.maxRowsPerSecond ?? 0), ...(options.config || options.migration ? [JSON.stringify(options.config ?? {})] : []), ...(options.migration ? [options.migration] : [])],
    { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const progress: BackfillProgress[] = [];
  let result: BackfillResult | null = null;
  let buffered = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const message = JSON.parse(line) as { progress?: BackfillProgress; result?: BackfillResult };
      if (message.progress) progress.push(message.progress);
      if (message.result) result = message.result;
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; result: BackfillResult | null; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, result, stderr }));
  });
  return { child, progress, done };
}
