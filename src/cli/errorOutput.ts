import { MidairError, MidairRefusal } from '../errors.js';

/**
 * Prints a failure and returns the exit code. A MidairError is the user's to fix: one line and a
 * hint. Anything else is printed as its message alone, with the stack only under MIDAIR_DEBUG=1.
 * A refusal (nothing was changed) exits 2, any other failure 1.
 */
export function printError(error: unknown, json: boolean): number {
  const known = error instanceof MidairError;
  const message = (error instanceof Error ? error.message : String(error)) || 'unknown error';
  const hint = known ? (error.hint ?? null) : null;
  process.stderr.write(`error: ${message}\n`);
  if (hint) process.stderr.write(`hint: ${hint}\n`);
  if (process.env.MIDAIR_DEBUG === '1' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  if (json) {
    const details = known && error.details ? { details: error.details } : {};
    const refused = error instanceof MidairRefusal ? { refused: error.reason } : {};
    process.stdout.write(JSON.stringify({ ok: false, error: message, hint, ...refused, ...details }) + '\n');
  }
  return error instanceof MidairRefusal ? 2 : 1;
}
