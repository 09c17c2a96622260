#!/usr/bin/env node
import { printError } from './errorOutput.js';
import { buildProgram } from './program.js';

// `midair status | head -1` closes stdout early; that is not a failure worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // Verbs report their own failures; this catches what escapes them (e.g. a verb not using action()).
  process.exitCode = printError(error, process.argv.includes('--json'));
}
