import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { MidairError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** PGlite corrupts a folder opened by two processes at once; a pid file keeps the second out. */
export function holdDirectoryLock(dataDir: string): () => void {
  const file = join(dataDir, 'midair.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8'));
      if (pid && pid !== process.pid && alive(pid)) {
        throw new MidairError(
          `the embedded database in ${dataDir} is in use by process ${pid}`,
          'wait for that midair command to finish, or use a PostgreSQL server (--database) for concurrent work',
        );
      }
      rmSync(file, { force: true }); // left by a process that died
    }
  }
  throw new MidairError(`could not lock the embedded database in ${dataDir}`, 'remove midair.pid in that folder');
}
