/** A failure the user can fix: printed as one line plus what to do, never as a stack trace. */
export class MidairError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'MidairError';
  }
}

/** Why a command refused to act. A refusal changes nothing; the CLI exits 2 for it, 1 for a failure. */
export type RefusalReason =
  /** The migration is not in a stage that allows the command. */
  | 'stage'
  /** Another operator moved the migration first. */
  | 'raced'
  /** Another command holds the operator lock. */
  | 'busy'
  /** Rows are not backfilled yet. */
  | 'unsynced'
  /** complete without a clean, current verification. */
  | 'unverified'
  /** The tables differ from what the migration expects. */
  | 'drift'
  /** Existing rows break a constraint the migration would build. */
  | 'data'
  /** Another active migration changes the same tables. */
  | 'claimed'
  /** Several migrations are active and the command did not name one. */
  | 'ambiguous'
  /** The evidence from application clients (compares, mismatches, errors, latency) does not allow the move. */
  | 'evidence'
  /** The migration has not stayed long enough at its ramp step. */
  | 'soak'
  /** The kill switch holds; `midair advance` to the current stage releases it. */
  | 'killed'
  /** An application instance still uses the old shape. */
  | 'old in use'
  /** Rollback cannot undo a step (op.sql without down). */
  | 'irreversible'
  /** The migration's people fields are missing or name someone the team does not have. */
  | 'people'
  /** The one acting is not verified, or their role does not allow the command. */
  | 'not allowed'
  /** The step needs approvals it does not have. */
  | 'approval'
  /** The schedule guard: a freeze, a holiday, or someone needed is away or off work. */
  | 'schedule'
  /** The budget gate: the service's error budget is low, a fast burn fires, or its SLI is unknown. */
  | 'budget';

/** A MidairError raised before anything changed, because a check said no. */
export class MidairRefusal extends MidairError {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    hint?: string,
    details?: Record<string, unknown>,
  ) {
    super(message, hint, details);
    this.name = 'MidairRefusal';
  }
}

/**
 * A MidairError raised after a step's work began (the database rejected a step's SQL, or a lock
 * never came): unlike a check on the input, it pages the migration's owners (docs/people.md).
 */
export class MidairStepFailure extends MidairError {
  constructor(message: string, hint?: string, details?: Record<string, unknown>) {
    super(message, hint, details);
    this.name = 'MidairStepFailure';
  }
}

interface PgLikeError {
  code?: string;
  message: string;
  detail?: string;
  where?: string;
}

/** Turns driver errors the user can cause into MidairErrors with a hint; leaves others alone. */
export function explainDatabaseError(error: unknown, context: string): unknown {
  if (error instanceof MidairError) return error;
  const e = error as PgLikeError & { errors?: PgLikeError[] };
  const code = e?.code ?? '';
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET'].includes(code) || e?.errors?.length) {
    return new MidairError(`${context}: cannot reach the database (${code || e.errors?.[0]?.code || e.message})`, 'check the URL in DATABASE_URL, --database or midair.config.ts, and that the server is running');
  }
  if (code === '28P01' || code === '28000') return new MidairError(`${context}: the database refused the login (${e.message})`, 'check the user and password in the connection URL');
  if (code === '3D000') return new MidairError(`${context}: ${e.message}`, 'create the database or fix its name in the connection URL');
  // explainMissingPrivilege (db/privileges.ts) names the role and the GRANT from privilegeError.
  if (code === '42501') return new MidairError(`${context}: missing privilege: ${e.message}`, 'run as the table owner or a role that may alter these tables and create schemas', { privilegeError: e.message });
  return error;
}
