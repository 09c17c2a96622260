import type { Command } from 'commander';
import type { DowntimeInput } from '../../slo/downtimeInput.js';
import { action } from '../action.js';
import { formatDeclared, formatDowntimeLog } from '../format/slo.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

/** `downtime plan` and `downtime incident`: the same options, a different kind. */
function registerDeclare(downtime: Command, kind: 'plan' | 'incident', description: string): void {
  addVerb(downtime, kind, description)
    .requiredOption('--service <name>', 'the service')
    .requiredOption('--from <time>', 'when it starts, ISO 8601 with its zone (e.g. 2026-03-10T14:00:00Z or 2026-03-10T15:00:00+01:00)')
    .requiredOption('--to <time>', 'when it ends (exclusive), ISO 8601 with its zone')
    .requiredOption('--reason <text>', 'why, for the log and the weekly report')
    .action(
      action(async ({ options, command }) => {
        const { service, from, to, reason } = command.opts<DowntimeInput>();
        const input = { service, from, to, reason };
        const declared = await withMidair(`downtime ${kind}`, options, (midair) => (kind === 'plan' ? midair.planDowntime(input) : midair.declareIncident(input)));
        return { data: { declared }, text: formatDeclared(declared) };
      }),
    );
}

export function registerDowntime(program: Command): void {
  const downtime = program.command('downtime').description('the downtime log: plan a window, declare an incident, list breach minutes (planned and unplanned)');
  registerDeclare(downtime, 'plan', "declare a planned window of a service: the breach minutes inside it count as planned downtime");
  registerDeclare(downtime, 'incident', 'declare an incident by hand: its minutes count as unplanned downtime, whatever the SLI saw');
  addVerb(downtime, 'list', 'the declared windows and each service\'s breach minutes, planned or unplanned (default: the last 7 days)')
    .option('--service <name>', 'only this service')
    .option('--from <time>', 'from (ISO 8601 with its zone; default 7 days before --to)')
    .option('--to <time>', 'to (ISO 8601 with its zone; default now)')
    .action(
      action(async ({ options, command }) => {
        const { service, from, to } = command.opts<{ service?: string; from?: string; to?: string }>();
        const range = { service, from, to };
        const log = await withMidair('downtime list', options, (midair) => midair.downtime(range));
        return { data: { ...log }, text: formatDowntimeLog(log) };
      }),
    );
}
