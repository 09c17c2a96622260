import { MidairError, explainDatabaseError } from '../errors.js';
import type { Executor } from './executor.js';

/**
 * A server when a URL is given, else the embedded database in `embeddedDir`. Each driver is
 * imported only when it is used: PGlite is heavy, and a server needs none of it.
 */
export async function connect(options: { database: string | null; embeddedDir: string; applicationName?: string; poolSize?: number }): Promise<Executor> {
  try {
    if (options.database) {
      const { connectPostgres } = await import('./postgres.js');
      return await connectPostgres(options.database, { applicationName: options.applicationName ?? 'midair', poolSize: options.poolSize });
    }
    const { connectEmbedded } = await import('./embedded.js');
    return await connectEmbedded(options.embeddedDir);
  } catch (error) {
    const explained = explainDatabaseError(error, options.database ? 'connecting to the database' : 'opening the embedded database');
    // Whatever else stops a connection (the server hung up, TLS refused, too many clients) is the user's to fix too.
    if (options.database && !(explained instanceof MidairError)) {
      throw new MidairError(`connecting to the database: ${(error as Error).message}`, 'check the URL in DATABASE_URL, --database or midair.config.ts, and that the server accepts connections');
    }
    throw explained;
  }
}
