import { relative } from 'node:path';
import type { ResolvedConfig } from '../config/load.js';
import { explainMissingPrivilege } from '../db/privileges.js';
import type { Midair } from '../midair.js';
import type { GlobalOptions } from './options.js';

// The library is imported when a verb runs, not when the program is built (`midair --version`
// loads none of it); withMidair imports it before the config file, whose loading registers module
// hooks that every later import goes through.

export async function resolveSettings(options: GlobalOptions): Promise<ResolvedConfig> {
  const { loadConfig } = await import('../config/load.js');
  return loadConfig({ configFile: options.config, database: options.database });
}

/** Opens Midair for one verb (saying so when it is the embedded database) and closes it after. */
export async function withMidair<T>(verb: string, options: GlobalOptions, fn: (midair: Midair, settings: ResolvedConfig) => Promise<T>): Promise<T> {
  const [{ createMidair }, { cliReporter }] = await Promise.all([import('../midair.js'), import('./reporter.js')]);
  const settings = await resolveSettings(options);
  if (settings.database === null) {
    const dir = relative(process.cwd(), settings.embeddedDir) || '.';
    process.stderr.write(`using the embedded database in ${dir}; set DATABASE_URL or --database to use a server\n`);
  }
  // The pid in application_name lets an operator find (or wait for) this process's sessions.
  const midair = await createMidair({ resolved: settings, reporter: cliReporter(options.json), applicationName: `midair ${verb} (pid ${process.pid})` });
  try {
    return await fn(midair, settings);
  } catch (error) {
    throw await explainMissingPrivilege(midair.db, error, settings.schema);
  } finally {
    await midair.close();
  }
}
