import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { prepareScript, runScript, type Script } from '../../db/runScript.js';
import { MidairError } from '../../errors.js';
import { action } from '../action.js';
import { formatScriptResults, jsonValue } from '../format/rows.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

/** The statements given inline, or read from `file` (`-` is stdin). */
function readScript(inline: string | undefined, file: string | undefined): Script {
  if (inline !== undefined && file !== undefined) throw new MidairError('give statements or -f <file>, not both', 'e.g. midair sql "SELECT 1", or midair sql -f setup.sql');
  if (file === undefined) {
    if (inline === undefined) throw new MidairError('no SQL to run', 'e.g. midair sql "SELECT 1", midair sql -f setup.sql, or midair sql -f - < setup.sql');
    return { text: inline, file: null };
  }
  try {
    return { text: readFileSync(file === '-' ? 0 : file, 'utf8'), file: file === '-' ? 'stdin' : file };
  } catch (error) {
    throw new MidairError(`cannot read ${file}: ${(error as Error).message}`, 'check the path; -f - reads the statements from stdin');
  }
}

export function registerSql(program: Command): void {
  addVerb(program, 'sql [statements]', 'run SQL statements on the database (several run in one transaction) and print their rows')
    .option('-f, --file <file>', 'read the statements from a file; - reads stdin')
    .action(
      action(async ({ args, options, command }) => {
        const script = prepareScript(readScript(args[0], command.opts<{ file?: string }>().file));
        const { results, database } = await withMidair('sql', options, async (midair) => ({ results: await runScript(midair.db, script), database: midair.db.description }));
        const statements = results.map((r) => ({ ...r, rows: r.rows.map((row) => row.map(jsonValue)) }));
        return { data: { database, statements }, text: formatScriptResults(results) };
      }),
    );
}
