import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerAck } from './commands/ack.js';
import { registerAdvance } from './commands/advance.js';
import { registerApprovals } from './commands/approvals.js';
import { registerApprove } from './commands/approve.js';
import { registerBackfill } from './commands/backfill.js';
import { registerCanary } from './commands/canary.js';
import { registerComplete } from './commands/complete.js';
import { registerDoctor } from './commands/doctor.js';
import { registerDemoCommand } from '../demo/command.js';
import { registerRehearseCommand } from '../rehearse/command.js';
import { registerGates } from './commands/gates.js';
import { registerInit } from './commands/init.js';
import { registerKill } from './commands/kill.js';
import { registerLatest } from './commands/latest.js';
import { registerLogin } from './commands/login.js';
import { registerMismatches } from './commands/mismatches.js';
import { registerMigrateRows } from './commands/migrateRows.js';
import { registerNew } from './commands/new.js';
import { registerPlaybook } from './commands/playbook.js';
import { registerPageTest } from './commands/pageTest.js';
import { registerPager } from './commands/pager.js';
import { registerPlan } from './commands/plan.js';
import { registerRamp } from './commands/ramp.js';
import { registerRollback } from './commands/rollback.js';
import { registerSchedule } from './commands/schedule.js';
import { registerSlo } from './commands/slo.js';
import { registerDowntime } from './commands/downtime.js';
import { registerSql } from './commands/sql.js';
import { registerStart } from './commands/start.js';
import { registerStatus } from './commands/status.js';
import { registerTeam } from './commands/team.js';
import { registerVerify } from './commands/verify.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The `midair` program. Each verb lives in commands/<verb>.ts as `register<Verb>(program)`, built
 * with addVerb (--json) and action (output, errors, exit code); add a verb with one import and
 * one call below.
 */
export function buildProgram(): Command {
  const program = new Command('midair')
    .description('zero-downtime expand/contract schema migrations for PostgreSQL')
    .version(version)
    .option('--database <url>', 'PostgreSQL connection URL (overrides DATABASE_URL and the config file)')
    .option('--config <file>', 'config file (default: midair.config.ts in the current folder)')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', '\nWith no database configured, the embedded database in .midair/db is used.\nExit codes: 0 done, 1 failed (or verify found mismatches), 2 refused (nothing was changed).');
  registerInit(program);
  registerNew(program);
  registerPlan(program);
  registerStart(program);
  registerStatus(program);
  registerBackfill(program);
  registerVerify(program);
  registerAdvance(program);
  registerRamp(program);
  registerCanary(program);
  registerKill(program);
  registerGates(program);
  registerMismatches(program);
  registerMigrateRows(program);
  registerComplete(program);
  registerRollback(program);
  registerLatest(program);
  registerAck(program);
  registerPager(program);
  registerPageTest(program);
  registerLogin(program);
  registerApprove(program);
  registerApprovals(program);
  registerSql(program);
  registerSchedule(program);
  registerTeam(program);
  registerDemoCommand(program);
  registerRehearseCommand(program);
  registerPlaybook(program);
  registerSlo(program);
  registerDowntime(program);
  registerDoctor(program);
  return program;
}
