import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

/** A PostgreSQL server of a test's own: no other test file's sessions or roles are in it. */
export interface PrivateCluster {
  /** The URL of `database` on it, as `user` (default postgres). */
  url(database: string, user?: string): string;
  /** Runs SQL as the superuser in `database` (default postgres), on a connection of its own; the rows. */
  sql<R = Record<string, unknown>>(statements: string, database?: string, params?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts a server in a temporary folder (initdb, then pg_ctl) on a free port, with fsync off and
 * pg_stat_statements preloaded. initdb refuses to run as root: as root (CI), the server's programs
 * run as the `postgres` OS user, who owns the folder. `stop` stops it and removes the folder.
 */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'midair-cluster-'));
  const asServer = (program: string, args: string[]) => {
    const root = process.getuid?.() === 0;
    return root ? run('runuser', ['-u', 'postgres', '--', join(BIN, program), ...args]) : run(join(BIN, program), args);
  };
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, 'data');
  let started = false;
  const stop = async () => {
    try {
      if (started) await asServer('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    await asServer('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    const port = await freePort();
    const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_preload_libraries=pg_stat_statements`;
    await asServer('pg_ctl', ['-D', data, '-o', settings, '-l', join(dir, 'server.log'), '-w', '-t', '120', 'start']);
    started = true;
    const url = (database: string, user = 'postgres') => `postgres://${user}@127.0.0.1:${port}/${database}`;
    return {
      url,
      async sql<R>(statements: string, database = 'postgres', params?: unknown[]) {
        const client = new pg.Client({ connectionString: url(database), application_name: 'psql (test set-up)' });
        await client.connect();
        try {
          const result = await client.query(statements, params);
          // Several statements answer one result each: the last one's rows.
          return ((Array.isArray(result) ? result.at(-1) : result) as pg.QueryResult).rows as R[];
        } finally {
          await client.end();
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`the private PostgreSQL cluster did not start: ${(error as Error).message}`);
  }
}
