/**
 * Polls `probe` until it returns a truthy value and returns it, failing after `ms` with `what`.
 * Tests wait for a condition this way, never for a fixed time; the deadline is generous because a
 * busy machine must not fail a correct test.
 */
export async function eventually<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Polls `condition` until it holds, failing after `ms` with `what`. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  await eventually(what, condition, ms);
}
