import { MidairError } from '../errors.js';
import type { Queryable } from './executor.js';

/** PostgreSQL's "insufficient privilege". */
const INSUFFICIENT_PRIVILEGE = '42501';

/** The server's own message of a privilege error, whether still raw or explained once already. */
function serverMessage(error: unknown): string | null {
  const e = error as { code?: string; message?: string; details?: { privilegeError?: unknown } };
  if (error instanceof MidairError) return typeof e.details?.privilegeError === 'string' ? e.details.privilegeError : null;
  return e?.code === INSUFFICIENT_PRIVILEGE && typeof e.message === 'string' ? e.message : null;
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** What Midair needs the privilege for, and the GRANT that gives it (or the role to run as). */
async function hintFor(db: Queryable, denied: string, role: string, schema: string): Promise<string> {
  const database = /permission denied for database (.+)$/.exec(denied)?.[1];
  if (database) {
    return `Midair creates schemas: its control schema "midair" (at the first command) and a version schema per migration, which needs CREATE on the database: GRANT CREATE ON DATABASE ${quoted(database)} TO ${quoted(role)} (as the database's owner), or run Midair as a role that has it`;
  }
  const owned = /must be owner of (?:table|relation) (.+)$/.exec(denied)?.[1];
  if (owned) {
    const [row] = await db.query<{ owner: string | null }>(`SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = to_regclass(quote_ident($1) || '.' || quote_ident($2))`, [schema, owned]);
    const owner = row?.owner ?? '<the owner>';
    return `Midair alters the tables a migration changes (columns, triggers, constraints), which PostgreSQL allows only their owner: run Midair as ${quoted(owner)}, the owner of "${owned}", or GRANT ${quoted(owner)} TO ${quoted(role)}`;
  }
  const inSchema = /permission denied for schema (.+)$/.exec(denied)?.[1];
  if (inSchema === 'midair' || /permission denied for (?:table|sequence) /.test(denied)) {
    return `Midair keeps its state in the schema "midair" and reads and changes the tables migrations name: run it as the role that ran \`midair init\` and owns the tables, or GRANT USAGE ON SCHEMA midair TO ${quoted(role)}; GRANT ALL ON ALL TABLES IN SCHEMA midair TO ${quoted(role)}; GRANT ALL ON ALL SEQUENCES IN SCHEMA midair TO ${quoted(role)}`;
  }
  if (inSchema) {
    return `Midair creates its trigger functions in the schema of the tables it changes: GRANT USAGE, CREATE ON SCHEMA ${quoted(inSchema)} TO ${quoted(role)}, or run Midair as the owner of the tables`;
  }
  return 'run Midair as the owner of the tables it changes, with CREATE on the database';
}

/**
 * A privilege error, named with the role Midair ran as and what to GRANT; any other error as it is.
 * `db` must still answer (a failed statement leaves the connection usable).
 */
export async function explainMissingPrivilege(db: Queryable, error: unknown, schema: string): Promise<unknown> {
  const denied = serverMessage(error);
  if (denied === null) return error;
  try {
    const [row] = await db.query<{ role: string }>('SELECT current_user AS role');
    const role = row?.role ?? '<this role>';
    const message = error instanceof MidairError ? error.message : `missing privilege: ${denied}`;
    return new MidairError(`${message} (as role "${role}")`, await hintFor(db, denied, role, schema));
  } catch {
    return error;
  }
}
