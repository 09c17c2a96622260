import type { Command } from 'commander';
import { action } from '../cli/action.js';
import { addVerb } from '../cli/verb.js';
import { formatReport, plural } from '../workload/formatReport.js';
import { positiveInteger, positiveNumber } from '../workload/knobs.js';
import { withInterrupt } from '../workload/interrupt.js';
import { progressView } from './progress.js';

export const DEMO_DEFAULTS = { rows: 25_000, clients: 8, instances: 3, duration: 10 };

export function registerDemoCommand(program: Command): void {
  addVerb(program, 'demo', 'run a sample migration through its whole life cycle under simulated live traffic and report what users saw')
    .option('--database <url>', 'run on this PostgreSQL server, in a database of its own that is dropped afterwards (default: a fresh embedded database)')
    .option('--rows <n>', `users in the sample table; products get a tenth (default ${DEMO_DEFAULTS.rows})`)
    .option('--clients <n>', `concurrent requests of the simulated application (default ${DEMO_DEFAULTS.clients})`)
    .option('--instances <n>', `application instances, each with a Midair client of its own, that the requests share (default ${DEMO_DEFAULTS.instances})`)
    .option('--duration <seconds>', `seconds of traffic in shadow, at each ramp step, under the kill switch, in rampdown and after complete, in total (default ${DEMO_DEFAULTS.duration})`)
    .action(
      action(async ({ options, command }) => {
        const o = command.opts<{ rows?: string; clients?: string; instances?: string; duration?: string }>();
        const rows = positiveInteger('--rows', o.rows, DEMO_DEFAULTS.rows);
        const clients = positiveInteger('--clients', o.clients, DEMO_DEFAULTS.clients);
        const instances = positiveInteger('--instances', o.instances, DEMO_DEFAULTS.instances);
        const durationSeconds = positiveNumber('--duration', o.duration, DEMO_DEFAULTS.duration);
        // The demo's code (the whole library, a workload, the drivers) is loaded when it runs, not by every verb.
        const { runDemo } = await import('./run.js');
        const report = await withInterrupt((signal) => runDemo({ database: options.database ?? null, rows, clients, instances, durationSeconds, view: progressView, signal }));
        const text = formatReport(report, {
          title: 'midair demo',
          lines: [
            ['database', report.where],
            ['data', `${plural(report.tables.users, 'user')}, ${plural(report.tables.products, 'product')}`],
            ['migration', `"${report.migration}": users.name -> first_name + last_name, users.email NOT NULL + unique, products.price text -> price_cents integer`],
          ],
        });
        return { data: { ...report }, text, exitCode: report.ok ? 0 : 1 };
      }),
    );
}
