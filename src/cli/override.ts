import type { Command } from 'commander';
import { MidairError } from '../errors.js';
import type { Override } from '../people/schedule/guard.js';

/** Adds --override (and --reason, unless --force brought it) to a verb the schedule guard judges. */
export function addOverride(command: Command): Command {
  command.option('--override', 'run although the schedule guard refuses: the rollback authority only (with --reason; recorded in the audit log)');
  const reason = command.options.find((o) => o.long === '--reason');
  if (reason) reason.description = 'why --force or --override is needed (recorded in the audit log)';
  else command.option('--reason <text>', 'why --override is needed (recorded in the audit log)');
  return command;
}

/** The schedule override asked for on the command line, if any; --override needs --reason. */
export function overrideOf(command: Command): Override | undefined {
  const { override, reason } = command.opts<{ override?: boolean; reason?: string }>();
  if (!override) {
    if (reason !== undefined && !command.options.some((o) => o.long === '--force')) throw new MidairError('--reason is given without --override', 'add --override to override the schedule guard, or leave --reason out');
    return undefined;
  }
  if (!reason?.trim()) throw new MidairError('--override needs --reason "<why>"', 'the reason is recorded in the audit log with the override');
  return { reason };
}
