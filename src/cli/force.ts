import type { Command } from 'commander';
import { MidairError } from '../errors.js';
import type { Force } from '../stages/machine.js';

/** Adds --force and --reason to a verb whose checks an operator may override on the record. */
export function addForce(command: Command, what: string): Command {
  return command
    .option('--force', `${what} although its checks refuse (with --reason; recorded in the audit log)`)
    .option('--reason <text>', 'why --force is needed (recorded in the audit log)');
}

/** The override asked for on the command line, if any; --force and --reason go together. */
export function forceOf(command: Command): Force | undefined {
  const { force, reason, override } = command.opts<{ force?: boolean; reason?: string; override?: boolean }>();
  // --reason also goes with the schedule guard's --override.
  if (!force && (reason === undefined || override)) return undefined;
  if (!force) throw new MidairError('--reason is given without --force', `add --force to override the checks${command.options.some((o) => o.long === '--override') ? ' (or --override, the schedule guard)' : ''}, or leave --reason out`);
  if (!reason?.trim()) throw new MidairError('--force needs --reason "<why>"', 'the reason is recorded in the audit log with the override');
  return { reason };
}
