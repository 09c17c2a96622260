/**
 * Runs `run` with Ctrl-C wired to its abort signal: the first Ctrl-C stops the simulated traffic
 * and rolls the migration back (the run says what it undid as it ends); a second one quits at once.
 */
export async function withInterrupt<T>(run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: stopping the simulated application and rolling the migration back (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
