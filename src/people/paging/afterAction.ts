import { settlesWithin, type PagingInFlight } from './inFlight.js';
import type { SendOptions } from './send.js';

export interface PagingOptions extends Pick<SendOptions, 'backoff'> {
  /**
   * How long a verb waits for its notifications before it returns (they go on meanwhile, and
   * close() waits for them). Default 2000 ms.
   */
  waitMs?: number;
  /** How long close() waits for notifications still sending before it abandons them. Default 5000 ms. */
  closeWaitMs?: number;
}

const DEFAULT_WAIT_MS = 2000;
export const DEFAULT_CLOSE_WAIT_MS = 5000;

/**
 * Runs paging after an action committed. Never throws into the caller (a failure is a warning);
 * waits at most waitMs, so a channel that hangs never holds up the action's result; the work
 * is tracked in `inFlight` for close() to wait for.
 */
export async function afterAction(work: () => Promise<unknown>, options: PagingOptions, inFlight: PagingInFlight, warn: (message: string) => void): Promise<void> {
  const running = work().then(
    () => undefined,
    (error: unknown) => warn(`paging failed: ${error instanceof Error ? error.message : String(error)}`),
  );
  inFlight.track(running);
  await settlesWithin(running, options.waitMs ?? DEFAULT_WAIT_MS);
}
