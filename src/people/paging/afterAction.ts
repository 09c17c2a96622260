import type { SendOptions } from './send.js';

export interface PagingOptions extends Pick<SendOptions, 'backoff'> {
  /**
   * How long a rollback, the kill switch and a guard wait for their notifications before they
   * return (the notifications go on meanwhile). Default 2000 ms.
   */
  urgentWaitMs?: number;
}

export const DEFAULT_URGENT_WAIT_MS = 2000;

/**
 * Runs paging after an action committed. Never throws into the caller (a failure is a warning);
 * `urgent` work (rollback, the kill switch, a guard) is waited for at most urgentWaitMs, so a
 * channel that hangs never holds up the action's result.
 */
export async function afterAction(work: () => Promise<unknown>, urgent: boolean, options: PagingOptions, warn: (message: string) => void): Promise<void> {
  const running = work().then(
    () => undefined,
    (error: unknown) => warn(`paging failed: ${error instanceof Error ? error.message : String(error)}`),
  );
  if (!urgent) return running;
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, options.urgentWaitMs ?? DEFAULT_URGENT_WAIT_MS);
    timer.unref();
  });
  await Promise.race([running, bound]);
  clearTimeout(timer);
}
