import { explainDatabaseError } from '../errors.js';
import { connectEmbedded } from './embedded.js';
import type { Executor } from './executor.js';
import { connectPostgres } from './postgres.js';

/** A server when a URL is given, else the embedded database in `embeddedDir`. */
export async function connect(options: { database: string | null; embeddedDir: string; applicationName?: string; poolSize?: number }): Promise<Executor> {
  try {
    if (options.database) return await connectPostgres(options.database, { applicationName: options.applicationName ?? 'midair', poolSize: options.poolSize });
    return await connectEmbedded(options.embeddedDir);
  } catch (error) {
    throw explainDatabaseError(error, options.database ? 'connecting to the database' : 'opening the embedded database');
  }
}
