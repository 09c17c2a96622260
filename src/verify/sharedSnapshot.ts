import type { Executor, Queryable } from '../db/executor.js';
import { literal } from '../db/sql.js';

/**
 * Settings of a verification's transactions: a plan compiled for a few scans gains nothing from
 * JIT compilation, which costs a tenth of a second per query.
 */
const SETTINGS = 'SET LOCAL jit = off';

/**
 * Runs fn on `workers` connections that all see one snapshot of the database, taken as fn starts
 * (`at`, its time): every row is checked exactly once, in one state, however the application
 * writes meanwhile. A server hands the first session's snapshot to the others
 * (pg_export_snapshot); the embedded database has one connection.
 */
export async function withSharedSnapshot<T>(db: Executor, workers: number, fn: (connections: Queryable[], at: string) => Promise<T>): Promise<T> {
  if (workers <= 1 || db.kind === 'embedded') {
    return db.transaction(async (tx) => {
      await tx.exec(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; ${SETTINGS}`);
      return fn([tx], await timeOf(tx));
    });
  }
  return db.session((lead) =>
    inTransaction(lead, `BEGIN ISOLATION LEVEL REPEATABLE READ; ${SETTINGS}`, async () => {
      const [row] = await lead.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
      const at = await timeOf(lead);
      return joining(db, row!.snapshot, workers - 1, (others) => fn([lead, ...others], at));
    }),
  );
}

async function timeOf(db: Queryable): Promise<string> {
  const [row] = await db.query<{ at: string }>('SELECT now()::text AS at');
  return row!.at;
}

/** Opens n more sessions in the exported snapshot, each in its own transaction until fn ends. */
async function joining<T>(db: Executor, snapshot: string, n: number, fn: (sessions: Queryable[]) => Promise<T>): Promise<T> {
  if (n === 0) return fn([]);
  return db.session((session) =>
    inTransaction(session, `BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT ${literal(snapshot)}; ${SETTINGS}`, () =>
      joining(db, snapshot, n - 1, (rest) => fn([session, ...rest])),
    ),
  );
}

async function inTransaction<T>(session: Queryable, begin: string, fn: () => Promise<T>): Promise<T> {
  await session.exec(begin);
  try {
    const result = await fn();
    await session.exec('COMMIT');
    return result;
  } catch (error) {
    await session.exec('ROLLBACK').catch(() => {});
    throw error;
  }
}
