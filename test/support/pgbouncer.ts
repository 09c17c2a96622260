import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { SERVER_URL, tempDir } from './databases.js';
import { exited, findServerBinary, freePort, type ServerBinary } from './serverProcess.js';

/** A private PgBouncer in transaction pooling mode in front of one database of the test server. */
export interface PgBouncer {
  /** Connect here instead of to the server: postgres://<user>@127.0.0.1:<port>/<database>. */
  url: string;
  stop: () => Promise<void>;
}

export interface PgBouncerOptions {
  /** Server connections per database/user pair: small, so the test's clients share them. */
  poolSize?: number;
}

const READY_WITHIN_MS = 30_000;
const POLL_EVERY_MS = 25;
/** Debian installs pgbouncer in /usr/sbin, which a non-root PATH usually lacks. */
const PGBOUNCER: ServerBinary = { name: 'pgbouncer', variable: 'PGBOUNCER', dirs: ['/usr/sbin', '/usr/local/sbin'], neededBy: 'the transaction-pooling tests' };
/** PgBouncer refuses to run as root; as root the test asks it to switch to this user. */
const UNPRIVILEGED_USER = 'nobody';

function configText(database: string, port: number, authFile: string, poolSize: number): string {
  const server = new URL(SERVER_URL);
  return [
    '[databases]',
    `${database} = host=${server.hostname} port=${server.port || 5432} dbname=${database}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    // TCP only: no socket file left behind in /tmp.
    'unix_socket_dir =',
    // The test server trusts local connections; the auth file names the user clients log in as.
    'auth_type = trust',
    `auth_file = ${authFile}`,
    'pool_mode = transaction',
    `default_pool_size = ${poolSize}`,
    'max_client_conn = 500',
    // PgBouncer refuses a startup parameter it does not know. node-postgres sends only user, database and
    // application_name unless configured; `options` comes from PGOPTIONS, extra_float_digits from pgjdbc.
    'ignore_startup_parameters = extra_float_digits,options',
    // Logs go to stderr (kept for error messages): connection chatter would drown the useful lines.
    'log_connections = 0',
    'log_disconnections = 0',
    '',
  ].join('\n');
}

async function acceptsQueries(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Polls until PgBouncer serves a query; fails with its log if it exits or the deadline passes. */
async function waitUntilReady(child: ChildProcess, url: string, log: () => string): Promise<void> {
  const deadline = Date.now() + READY_WITHIN_MS;
  let gone = false;
  void exited(child).then(() => (gone = true));
  while (!gone) {
    if (await acceptsQueries(url)) return;
    if (Date.now() > deadline) throw new Error(`pgbouncer did not accept connections within ${READY_WITHIN_MS} ms:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
  }
  throw new Error(`pgbouncer exited (code ${child.exitCode}, signal ${child.signalCode}) before accepting connections:\n${log()}`);
}

/** Starts a PgBouncer for `database` on a free port; call stop() (afterAll) once its clients are closed. */
export async function startPgBouncer(database: string, options: PgBouncerOptions = {}): Promise<PgBouncer> {
  const binary = findServerBinary(PGBOUNCER);
  const user = decodeURIComponent(new URL(SERVER_URL).username) || 'postgres';
  const dir = tempDir('pgbouncer');
  // When it runs as another user, that user must read the files.
  chmodSync(dir.path, 0o755);
  const authFile = join(dir.path, 'userlist.txt');
  writeFileSync(authFile, `"${user}" ""\n`, { mode: 0o644 });
  const runAs = process.getuid?.() === 0 ? ['-u', UNPRIVILEGED_USER] : [];

  const port = await freePort();
  const configFile = join(dir.path, 'pgbouncer.ini');
  writeFileSync(configFile, configText(database, port, authFile, options.poolSize ?? 2), { mode: 0o644 });
  const child = spawn(binary, [...runAs, configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  child.on('error', (error) => (log += `${error.message}\n`));
  const url = `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${database}`;
  const stop = async () => {
    // SIGTERM is PgBouncer's immediate shutdown (SIGINT would wait for clients to leave).
    child.kill('SIGTERM');
    await exited(child);
    dir.remove();
  };
  try {
    await waitUntilReady(child, url, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
