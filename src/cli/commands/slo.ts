import type { Command } from 'commander';
import { reportWeeks } from '../../slo/reportWeeks.js';
import { action } from '../action.js';
import { formatEnforced, formatSlo, formatSloReport } from '../format/slo.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerSlo(program: Command): void {
  const slo = addVerb(program, 'slo', "each service's SLO now: objective, SLI, budget used and left (minutes and %), burn rates, fast-burn alerts firing")
    .option('--service <name>', 'only this service')
    .option('--enforce', 'also run the budget guard over the active migrations (from cron, where no application instance runs it): a fast burn pauses their backfill and pulls a live ramp back')
    .action(
      action(async ({ options, command }) => {
        const { service, enforce } = command.opts<{ service?: string; enforce?: boolean }>();
        const { services, enforced } = await withMidair('slo', options, async (midair) => ({
          services: await midair.slo({ service }),
          enforced: enforce ? await midair.enforceBudget() : null,
        }));
        return { data: { services, ...(enforced && { enforced }) }, text: [formatSlo(services), ...(enforced ? [formatEnforced(enforced)] : [])].join('\n') };
      }),
    );
  addVerb(slo, 'report', 'per service and ISO week (Monday 00:00 UTC): availability, budget used, planned and unplanned downtime, the migrations that ran')
    .option('--service <name>', 'only this service')
    .option('--weeks <n>', 'how many weeks, the current (partial) one last (default 8)')
    .action(
      action(async ({ options, command }) => {
        // With globals: `slo` has a --service of its own, which commander gives it wherever it stands.
        const { service, weeks } = command.optsWithGlobals<{ service?: string; weeks?: string }>();
        const count = reportWeeks(weeks);
        const report = await withMidair('slo report', options, (midair) => midair.sloReport({ service, weeks: count }));
        return { data: { ...report }, text: formatSloReport(report) };
      }),
    );
}
