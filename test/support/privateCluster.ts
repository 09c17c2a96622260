import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './serverProcess.js';

const run = promisify(execFile);
const INSTALLED = '/usr/lib/postgresql';

/** The programs of the newest PostgreSQL installed (Debian's layout: /usr/lib/postgresql/<major>/bin). */
function newestServerBin(): string {
  const majors = (existsSync(INSTALLED) ? readdirSync(INSTALLED) : [])
    .filter((major) => /^\d+$/.test(major) && existsSync(join(INSTALLED, major, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  if (majors.length === 0) throw new Error(`no PostgreSQL server programs in ${INSTALLED}/<major>/bin: run \`apt-get install postgresql\``);
  return join(INSTALLED, majors[0]!, 'bin');
}

/** A running PostgreSQL server of a test's own. */
export interface PrivateServer {
  /** The URL of `database` on it, as `user` (default postgres). */
  url(database: string, user?: string): string;
  /** Runs SQL as the superuser in `database` (default postgres), on a connection of its own; the rows. */
  sql<R = Record<string, unknown>>(statements: string, database?: string, params?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

/** A server of a test's own (no other test file's sessions or roles are in it), which can start a standby of itself. */
export interface PrivateCluster extends PrivateServer {
  /** A streaming standby of this server (pg_basebackup), stopped and removed by its `stop` (or the cluster's). */
  startStandby(): Promise<PrivateServer>;
}

// initdb refuses to run as root: as root (CI), the server's programs run as the `postgres` OS user, who owns the folder.
const root = process.getuid?.() === 0;

function asServer(program: string, args: string[]) {
  const path = join(newestServerBin(), program);
  return root ? run('runuser', ['-u', 'postgres', '--', path, ...args]) : run(path, args);
}

async function serverFolder(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'midair-cluster-'));
  if (root) {
    const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    chownSync(dir, Number(uid.trim()), Number(gid.trim()));
  }
  return dir;
}

/**
 * Fills `dir/data` with `prepare` (initdb, pg_basebackup...) and starts a server on it on a free
 * port, fsync off, pg_stat_statements preloaded. `stop` stops it and removes the folder, also when
 * it did not start.
 */
async function startServer(dir: string, prepare: (data: string) => Promise<unknown>): Promise<PrivateServer> {
  const data = join(dir, 'data');
  let started = false;
  const stop = async () => {
    try {
      if (started) {
        started = false;
        await asServer('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    await prepare(data);
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
    throw new Error(`the private PostgreSQL server did not start (as ${root ? 'the postgres OS user' : 'this user'}): ${(error as Error).message}`);
  }
}

/** Starts a server in a temporary folder (initdb, then pg_ctl); `stop` stops it, and its standbys, and removes the folders. */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const primary = await startServer(await serverFolder(), (data) => asServer('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']));
  const standbys: PrivateServer[] = [];
  const { hostname, port } = new URL(primary.url('postgres'));
  return {
    ...primary,
    async startStandby() {
      // -R writes primary_conninfo and standby.signal: the copy starts as a streaming standby.
      const standby = await startServer(await serverFolder(), (data) => asServer('pg_basebackup', ['-D', data, '-R', '-h', hostname, '-p', port, '-U', 'postgres', '--no-sync', '--checkpoint=fast']));
      standbys.push(standby);
      return standby;
    },
    async stop() {
      try {
        await Promise.allSettled(standbys.map((s) => s.stop()));
      } finally {
        await primary.stop();
      }
    },
  };
}
