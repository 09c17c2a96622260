import { MidairError } from '../errors.js';
import type { Executor, RunStatement, StatementResult } from './executor.js';
import { lineAndColumn, splitStatements, type ScriptStatement } from './splitStatements.js';

/** SQL text to run and where it came from: a file's path, `stdin`, or null for text given inline. */
export interface Script {
  text: string;
  file: string | null;
}

export interface ScriptResult extends StatementResult {
  /** The line of the script the statement starts on. */
  line: number;
}

interface PgError {
  code: string;
  message: string;
  /** 1-based character index into the statement, as a string. */
  position?: string;
  detail?: string;
  hint?: string;
}

const isPgError = (error: unknown): error is PgError => typeof (error as PgError)?.code === 'string' && /^[0-9A-Z]{5}$/.test((error as PgError).code);

const TRANSACTION_CONTROL = new Set(['begin', 'start', 'commit', 'end', 'rollback', 'abort']);

/** `file:line:column` for a file, `line L, column C` for text given inline. */
function place(script: Script, offset: number): string {
  const { line, column } = lineAndColumn(script.text, offset);
  return script.file ? `${script.file}:${line}:${column}` : `line ${line}, column ${column}`;
}

/** A statement's failure as the user's to fix: where in the script, what the server said, and what was kept. */
function explain(error: PgError, script: Script, statement: ScriptStatement, total: number): MidairError {
  const position = Number(error.position);
  // Without a position (a constraint, a lock...), the statement's start.
  const where = place(script, statement.offset + (position > 0 ? position - 1 : 0));
  const rolledBack = total > 1 ? `nothing was changed: the ${total} statements ran in one transaction, rolled back` : null;
  // 25001: VACUUM, CREATE DATABASE, CREATE INDEX CONCURRENTLY... refuse a transaction block.
  const alone = error.code === '25001' && total > 1 ? 'this statement cannot run inside a transaction: run it alone, in a `midair sql` call of its own' : null;
  const hint = [alone, error.hint ?? null, rolledBack].filter(Boolean).join('; ');
  return new MidairError(`${where}: ${error.message}${error.detail ? ` (${error.detail})` : ''}`, hint || undefined, { line: lineAndColumn(script.text, statement.offset).line, code: error.code });
}

/** A script split into statements and checked: what runScript runs. */
export interface PreparedScript extends Script {
  statements: ScriptStatement[];
}

/** Splits a script and refuses what midair sql cannot run, before any database is opened. */
export function prepareScript(script: Script): PreparedScript {
  const statements = splitStatements(script.text);
  const source = script.file ?? 'the statement given';
  if (statements.length === 0) throw new MidairError(`${source}: no SQL statement to run`, 'give statements separated by ";", e.g. midair sql "CREATE TABLE t (id int); INSERT INTO t VALUES (1)"');
  for (const statement of statements) {
    const word = /^[A-Za-z]+/.exec(statement.text)?.[0].toLowerCase() ?? '';
    if (statements.length > 1 && TRANSACTION_CONTROL.has(word)) {
      throw new MidairError(
        `${place(script, statement.offset)}: ${word.toUpperCase()}: midair sql runs several statements in one transaction of its own`,
        'remove BEGIN/COMMIT from the script; to commit in parts, run each part with a `midair sql` call of its own',
      );
    }
  }
  return { ...script, statements };
}

/**
 * Runs a script's statements in order on one session and answers each one's rows or tag. Several
 * statements run in one transaction: a failure leaves nothing of them. One statement runs on its
 * own, so that statements refusing a transaction (VACUUM, CREATE DATABASE) run too.
 */
export async function runScript(db: Executor, script: PreparedScript): Promise<ScriptResult[]> {
  const { statements } = script;
  const runOne = async (run: RunStatement, statement: ScriptStatement): Promise<ScriptResult> => {
    try {
      return { line: lineAndColumn(script.text, statement.offset).line, ...(await run(statement.text)) };
    } catch (error) {
      throw isPgError(error) ? explain(error, script, statement, statements.length) : error;
    }
  };
  return db.statementSession(async (run) => {
    if (statements.length === 1) return [await runOne(run, statements[0]!)];
    await run('BEGIN');
    try {
      const results: ScriptResult[] = [];
      for (const statement of statements) results.push(await runOne(run, statement));
      await runOne(run, { text: 'COMMIT', offset: statements.at(-1)!.offset });
      return results;
    } catch (error) {
      await run('ROLLBACK').catch(() => {});
      throw error;
    }
  });
}
