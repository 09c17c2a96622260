import type { Command } from 'commander';
import type { ResolvedConfig } from '../config/load.js';
import { action } from '../cli/action.js';
import { resolveSettings } from '../cli/session.js';
import { addVerb } from '../cli/verb.js';
import { progressView } from '../demo/progress.js';
import { MidairError } from '../errors.js';
import { formatReport } from '../workload/formatReport.js';
import { withInterrupt } from '../workload/interrupt.js';
import { positiveInteger, positiveNumber } from '../workload/knobs.js';
import { parseAttendees } from './attendees.js';
import type { RehearsalReport } from './run.js';

/** Records the rehearsal; a failure to record is reported with the report, not instead of it. */
async function keepAttendance(report: RehearsalReport, attendees: string[], configured: ResolvedConfig): Promise<{ where: string | null; error: string | null }> {
  const { keepRecord, recordOf } = await import('./keepRecord.js');
  try {
    return { where: await keepRecord(recordOf(report, attendees), configured), error: null };
  } catch (error) {
    return { where: null, error: error instanceof Error ? error.message : String(error) };
  }
}

export const REHEARSE_DEFAULTS = { clients: 8, instances: 3, duration: 10, rows: 10_000 };

export function registerRehearseCommand(program: Command): void {
  addVerb(program, 'rehearse <migration>', 'run a migration end to end in a copy of the database under simulated traffic of both releases, and report what users would have seen')
    .option('--database <url>', 'the database to rehearse on; it is copied on its server and never written to (default: DATABASE_URL or the config file)')
    .option('--clients <n>', `concurrent requests of the simulated application (default ${REHEARSE_DEFAULTS.clients})`)
    .option('--instances <n>', `application instances, each with a Midair client of its own, that the requests share (default ${REHEARSE_DEFAULTS.instances})`)
    .option('--duration <seconds>', `seconds of traffic in shadow, at each ramp step, under the kill switch, in rampdown and after complete, in total (default ${REHEARSE_DEFAULTS.duration})`)
    .option('--rows <n>', `rows per table when the copy has to be a sample (default ${REHEARSE_DEFAULTS.rows})`)
    .option('--keep', 'keep the copy afterwards instead of dropping it')
    .option('--attendees <ids>', "person ids of the team who took part, e.g. ana,ben: the rehearsal is recorded for `midair playbook` in the project's database (DATABASE_URL or the config file)")
    .action(
      action(async ({ args, options, command }) => {
        const o = command.opts<{ clients?: string; instances?: string; duration?: string; rows?: string; keep?: boolean; attendees?: string }>();
        const clients = positiveInteger('--clients', o.clients, REHEARSE_DEFAULTS.clients);
        const instances = positiveInteger('--instances', o.instances, REHEARSE_DEFAULTS.instances);
        const durationSeconds = positiveNumber('--duration', o.duration, REHEARSE_DEFAULTS.duration);
        const sampleRows = positiveInteger('--rows', o.rows, REHEARSE_DEFAULTS.rows);
        const settings = await resolveSettings(options);
        // The record goes where `midair playbook` reads: the project's database (DATABASE_URL, else the
        // config file), not the one --database names to rehearse on, which is never written to.
        const configured = o.attendees === undefined ? null : await resolveSettings({ ...options, database: undefined });
        const attendees = configured ? parseAttendees(o.attendees!, configured.team) : [];
        if (configured && !configured.database) {
          throw new MidairError('--attendees records the rehearsal in the project\'s database, the one `midair playbook` reads, and none is configured', 'set DATABASE_URL (or `database` in midair.config.ts) to the database the migration will run on, and name the one to rehearse on with --database');
        }
        if (!settings.database) {
          throw new MidairError('rehearse needs a PostgreSQL server: it copies the database there with CREATE DATABASE', 'give --database <url> (or set DATABASE_URL); the embedded database cannot be copied this way');
        }
        // The rehearsal's code is loaded when it runs, not by every verb.
        const { runRehearsal } = await import('./run.js');
        const report = await withInterrupt((signal) =>
          runRehearsal({ database: settings.database!, migration: args[0]!, settings, clients, instances, durationSeconds, sampleRows, keep: Boolean(o.keep), view: progressView, signal }),
        );
        const kept = configured ? await keepAttendance(report, attendees, configured) : null;
        const copy = report.copy.method === 'template' ? `a full copy (CREATE DATABASE ... TEMPLATE), "${report.copy.name}"` : `the schema and a sample, "${report.copy.name}" (not a full copy: ${report.copy.reason})`;
        const text = formatReport(report, {
          title: `midair rehearse ${args[0]}`,
          lines: [
            ['database', `${report.original}, never written to${kept?.where === report.original ? ' (but for the record of the attendees)' : ''}`],
            ['copy', `${copy}, ${report.copy.kept ? 'kept' : 'dropped afterwards'}`],
            ['tables', `${report.tables.join(', ')} (${report.rows.toLocaleString('en-US')} rows)`],
            ...(kept ? [['attendees', kept.where ? `${attendees.join(', ')}, recorded in ${kept.where}` : `${attendees.join(', ')}, NOT recorded: ${kept.error}`] as [string, string]] : []),
          ],
        });
        const recorded = kept ? { attendees, recordedIn: kept.where, recordError: kept.error } : {};
        return { data: { ...report, ...recorded }, text, exitCode: report.ok && !kept?.error ? 0 : 1 };
      }),
    );
}
