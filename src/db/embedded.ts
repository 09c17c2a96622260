import { mkdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { PGlite, type Results } from '@electric-sql/pglite';
import type { Executor, Queryable, ResultQueryable, RunStatement } from './executor.js';
import { holdDirectoryLock } from './directoryLock.js';

/** The embedded database's handle: an Executor, plus what the application client needs of PGlite. */
export interface EmbeddedExecutor extends Executor {
  readonly kind: 'embedded';
  /** Calls onPayload with each notification on `channel` (PGlite delivers its own session's); resolves to the unlisten. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** Like transaction, but its queries answer row counts too (application code expects them). */
  resultTransaction<T>(fn: (tx: ResultQueryable) => Promise<T>): Promise<T>;
}

let compiling = 0;

/**
 * Runs fn with PGlite's WebAssembly compiled by V8's baseline compiler only. By default V8 also
 * recompiles PostgreSQL's hot functions with its optimizing compiler on background threads: on 2
 * cores that took more CPU than a command's queries gained, and the process waited for it before it
 * could exit. A module keeps the compiler it was compiled with; the flag is set only meanwhile.
 */
async function withBaselineWasm<T>(fn: () => Promise<T>): Promise<T> {
  if (compiling++ === 0) setFlagsFromString('--liftoff-only');
  try {
    return await fn();
  } finally {
    if (--compiling === 0) setFlagsFromString('--no-liftoff-only');
  }
}

/** The embedded PostgreSQL (PGlite), kept in a folder. One connection, one process at a time. */
export async function connectEmbedded(dataDir: string): Promise<EmbeddedExecutor> {
  mkdirSync(dataDir, { recursive: true });
  const release = holdDirectoryLock(dataDir);
  let db: PGlite;
  try {
    db = await withBaselineWasm(() => PGlite.create(dataDir));
  } catch (error) {
    release();
    throw error;
  }
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query(sql, params) {
      const result = await q.query(sql, params ?? []);
      return result.rows as never[];
    },
    async exec(sql) {
      await q.exec(sql);
    },
  });
  const base = wrap(db);
  const runStatement: RunStatement = async (sql) => {
    // PGlite answers the command tag's parts too, though its types do not say so.
    const result = (await db.query<unknown[]>(sql, [], { rowMode: 'array' })) as Results<unknown[]> & { command?: string; rowCount?: number };
    return { command: result.command ?? '', rowCount: result.rowCount ?? null, columns: result.fields.map((f) => f.name), rows: result.rows };
  };
  // PGlite has one session; a queue keeps a transaction's statements from interleaving with others.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };
  return {
    kind: 'embedded',
    description: `embedded ${dataDir}`,
    query: (sql, params) => exclusive(() => base.query(sql, params)),
    exec: (sql) => exclusive(() => base.exec(sql)),
    session: (fn) => exclusive(() => fn(base)),
    statementSession: (fn) => exclusive(() => fn(runStatement)),
    transaction: (fn) => exclusive(() => db.transaction((tx) => fn(wrap(tx)))),
    resultTransaction: (fn) =>
      exclusive(() =>
        db.transaction((tx) =>
          fn({
            async query(sql, params) {
              const result = await tx.query(sql, params ?? []);
              // PGlite counts changed rows only; node-postgres counts the rows a SELECT returns too.
              return { rows: result.rows as never[], rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) };
            },
          }),
        ),
      ),
    async listen(channel, onPayload) {
      const unlisten = await exclusive(() => db.listen(channel, onPayload));
      return () => exclusive(() => unlisten());
    },
    async close() {
      await queue;
      await db.close();
      release();
    },
  };
}
