import type { Queryable } from '../../db/executor.js';
import { CONTROL_SCHEMA_VERSION, installedVersion } from '../../state/install.js';

/**
 * Why a check that reads Midair's control schema cannot judge this database, or null when the
 * schema is there at this Midair's version. The doctor only reads: it never installs it.
 */
export async function controlSchemaUnreadable(db: Queryable): Promise<string | null> {
  const version = await installedVersion(db);
  if (version === CONTROL_SCHEMA_VERSION) return null;
  if (version === 0) return "Midair's control schema is not in this database: run `midair init` (as a role that may create it) to check this";
  if (version < CONTROL_SCHEMA_VERSION) return `Midair's control schema is at version ${version}, older than this Midair's (${CONTROL_SCHEMA_VERSION}): run \`midair init\` to upgrade it, then check this`;
  return `Midair's control schema is at version ${version}, newer than this Midair's (${CONTROL_SCHEMA_VERSION}): upgrade Midair to check this`;
}
