import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import type { DatabaseKind } from '../../src/db/executor.js';
import { MidairError, type Midair, type Migration } from '../../src/index.js';
import { openTarget, type Target } from './targets.js';

/** The MidairError a promise rejects with (fails the test if it resolves or throws something else). */
export async function midairError(promise: Promise<unknown>): Promise<MidairError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(MidairError);
  return error as MidairError;
}

export interface ResetTarget {
  readonly target: Target;
  /** A Midair handle on the target, new for each test. */
  readonly midair: Midair;
  /** start (and, with `plan`, plan first) must fail with `message`, leaving the database exactly as it was. */
  refused(migration: Migration, message: RegExp, options?: { plan?: boolean }): Promise<MidairError>;
}

/**
 * For a describe block: one database of `kind` whose schema is reset and filled by `setup` before
 * each test, with the control schema installed.
 */
export function resetTarget(kind: DatabaseKind, label: string, setup: string): ResetTarget {
  let target: Target;
  let midair: Midair;
  beforeAll(async () => {
    target = await openTarget(kind, label);
  });
  afterAll(async () => {
    await target?.close();
  });
  beforeEach(async () => {
    await target.reset();
    await target.db.exec(setup);
    midair = target.midair();
    await midair.init();
  });
  return {
    get target() {
      return target;
    },
    get midair() {
      return midair;
    },
    async refused(migration, message, options = {}) {
      const before = await target.snapshot();
      if (options.plan) expect((await midairError(midair.plan(migration))).message).toMatch(message);
      const error = await midairError(midair.start(migration));
      expect(error.message).toMatch(message);
      expect(await target.snapshot()).toEqual(before);
      expect((await midair.status()).active).toEqual([]);
      return error;
    },
  };
}
