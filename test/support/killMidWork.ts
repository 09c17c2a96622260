import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';

/** A process a test started: its handle, and a promise that settles when it exits, however it exits. */
export interface Killable<R extends { code: number | null; signal: NodeJS.Signals | null }> {
  child: ChildProcess;
  done: Promise<R>;
}

/**
 * SIGKILLs `run` as soon as `observed()` holds (polled every few ms: a row the process wrote, a
 * lock it waits for) and asserts that the kill landed mid-work: the process was still running and
 * died by the signal. A process that finished on its own fails the test, since a kill that comes
 * too late proves nothing; the test must observe real progress, or hold a lock that keeps the
 * process from finishing. The caller still asserts the work the kill left undone.
 */
export async function killWhen<R extends { code: number | null; signal: NodeJS.Signals | null }>(
  run: Killable<R>,
  observed: () => Promise<boolean>,
): Promise<R> {
  const exited = () => run.child.exitCode !== null || run.child.signalCode !== null;
  while (!exited() && !(await observed().catch(() => false))) await sleep(3);
  if (exited()) {
    const early = await run.done;
    throw new Error(`the process exited on its own (code ${early.code}) before the kill: the kill test proves nothing\n${JSON.stringify(early)}`);
  }
  run.child.kill('SIGKILL');
  const result = await run.done;
  expect(result.signal, 'the process died by the kill, not on its own').toBe('SIGKILL');
  return result;
}
