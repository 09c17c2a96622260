import type { Executor, Queryable } from '../db/executor.js';
import { firstLine, qualified } from '../db/sql.js';
import { MidairError, MidairStepFailure, explainDatabaseError } from '../errors.js';
import type { Step } from '../migration/plan.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LockPolicy {
  lockTimeoutMs: number;
  /** How many times a statement that timed out waiting for a lock is tried again. */
  lockRetries: number;
}

const LOCK_NOT_AVAILABLE = '55P03';

const TRANSACTION_HINT = 'nothing of this step was applied; fix the cause and run the command again, or roll back';
// A failed concurrent index build leaves an invalid index behind; the re-run drops and rebuilds it.
const ONLINE_HINT = 'the steps before it stay applied (an index build may have left an invalid index); fix the cause and run the command again, which resumes here, or roll back';

function stepError(error: unknown, step: Step, phase: string, hint: string): unknown {
  if (error instanceof MidairError) return error;
  // The database went away while the step ran: a failure of the work, which pages.
  const explained = explainDatabaseError(error, phase);
  if (explained instanceof MidairError) return new MidairStepFailure(explained.message, explained.hint, explained.details);
  const e = error as { message?: string; detail?: string };
  return new MidairStepFailure(`${phase} failed at \`${firstLine(step.sql)}\`: ${e.message}${e.detail ? ` (${e.detail})` : ''}`, hint);
}

async function withLockRetries<T>(policy: LockPolicy, phase: string, attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== LOCK_NOT_AVAILABLE || i >= policy.lockRetries) {
        if (code === LOCK_NOT_AVAILABLE) {
          throw new MidairStepFailure(
            `${phase}: could not get a lock within ${policy.lockTimeoutMs} ms after ${i + 1} tries; long-running transactions hold the tables`,
            'find them in pg_stat_activity, let them finish, and run the command again (or raise lockRetries)',
          );
        }
        throw error;
      }
      // Backoff with jitter: the application's queries run between our tries.
      await sleep(Math.min(5000, 50 * 2 ** i) * (0.5 + Math.random()));
    }
  }
}

/**
 * Runs catalog-only steps in one transaction under a lock timeout, so a long transaction elsewhere
 * delays the migration instead of queueing every application query behind its lock. `then`
 * runs in the same transaction (state changes commit with the DDL or not at all).
 */
export async function runTransaction(db: Executor, steps: Step[], policy: LockPolicy, phase: string, then?: (tx: Queryable) => Promise<void>): Promise<void> {
  await withLockRetries(policy, phase, () =>
    db.transaction(async (tx) => {
      await tx.exec(`SET LOCAL lock_timeout = '${Math.round(policy.lockTimeoutMs)}ms'`);
      for (const step of steps) {
        try {
          await tx.exec(step.sql);
        } catch (error) {
          if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) throw error;
          throw stepError(error, step, phase, TRANSACTION_HINT);
        }
      }
      await then?.(tx);
    }),
  );
}

/** Runs online steps (index builds, validation) one by one outside transactions; each is resumable. */
export async function runOnline(db: Executor, steps: Step[], policy: LockPolicy, phase: string, schema: string): Promise<void> {
  for (const step of steps) {
    await withLockRetries(policy, phase, () =>
      db.session(async (s) => {
        await s.exec(`SET lock_timeout = '${Math.round(policy.lockTimeoutMs)}ms'`);
        try {
          if (step.index) await dropInvalidIndex(s, schema, step.index);
          await s.exec(step.sql);
        } catch (error) {
          if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) throw error;
          throw stepError(error, step, phase, ONLINE_HINT);
        } finally {
          await s.exec('RESET lock_timeout').catch(() => {});
        }
      }),
    );
  }
}

/** A concurrent index build killed half-way leaves an invalid index behind; IF NOT EXISTS would keep it. */
async function dropInvalidIndex(s: Queryable, schema: string, index: string): Promise<void> {
  const rows = await s.query<{ valid: boolean }>(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, index],
  );
  if (rows[0] && !rows[0].valid) await s.exec(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified(schema, index)}`);
}
