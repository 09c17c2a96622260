import type { ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** A server binary the suite starts itself (pgbouncer, prometheus): how to find it and how to get it. */
export interface ServerBinary {
  /** The executable's name, e.g. "pgbouncer". */
  name: string;
  /** The variable that overrides where it is, e.g. "PGBOUNCER". */
  variable: string;
  /** Places to look beyond PATH, e.g. /usr/sbin, which a non-root PATH usually lacks. */
  dirs: string[];
  /** What needs it, for the message when it is missing: "the transaction-pooling tests". */
  neededBy: string;
}

/** The binary's path; a missing one fails with how to install it (a missing component is a failure, never a skip). */
export function findServerBinary(binary: ServerBinary): string {
  const override = process.env[binary.variable];
  const candidates = override ? [override] : [...(process.env.PATH ?? '').split(delimiter), ...binary.dirs].filter(Boolean).map((dir) => join(dir, binary.name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here: try the next place
    }
  }
  throw new Error(
    override
      ? `${binary.variable}=${override} is not an executable file: point it at ${binary.name}, or unset it after \`apt-get install ${binary.name}\`.`
      : `${binary.name} is not installed, and ${binary.neededBy} need it: run \`apt-get install ${binary.name}\` ` +
          `(.ci/run installs it), or set ${binary.variable} to its path.`,
  );
}

/** A TCP port on 127.0.0.1 that nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned');
  return address.port;
}

/** Resolves once the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  // A process that could not be spawned reports 'error' and may never report 'exit'.
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
}
