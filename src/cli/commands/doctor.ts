import type { Command } from 'commander';
import type { DoctorOptions } from '../../slo/doctor/finding.js';
import { action } from '../action.js';
import { formatDoctor } from '../format/doctor.js';
import { numberFlag } from '../numberFlag.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

interface Flags {
  longRunning?: string;
  idleInTransaction?: string;
  replicationLag?: string;
}

const seconds = (flag: string, value: string | undefined) => (value === undefined ? undefined : numberFlag('doctor', flag, value, 0, 86_400, false));

export function registerDoctor(program: Command): void {
  addVerb(program, 'doctor', 'list what stands between this database and no-downtime changes, each finding with its evidence and fix (exit 1 when one is blocking)')
    .option('--long-running <seconds>', 'report transactions running longer than this, from their start (default 60)')
    .option('--idle-in-transaction <seconds>', 'report sessions idle in a transaction open longer than this, from its start (default 30)')
    .option('--replication-lag <seconds>', 'report standbys replaying further behind than this (default 30)')
    .action(
      action(async ({ options, command }) => {
        const flags = command.opts<Flags>();
        const thresholds: DoctorOptions = {
          longRunningSeconds: seconds('--long-running', flags.longRunning),
          idleInTransactionSeconds: seconds('--idle-in-transaction', flags.idleInTransaction),
          replicationLagSeconds: seconds('--replication-lag', flags.replicationLag),
        };
        const given = Object.fromEntries(Object.entries(thresholds).filter(([, v]) => v !== undefined)) as DoctorOptions;
        const { report, database } = await withMidair('doctor', options, async (midair) => ({ report: await midair.doctor(given), database: midair.db.description }));
        return { data: { database, ...report }, text: formatDoctor(report, database), exitCode: report.blocking > 0 ? 1 : 0 };
      }),
    );
}
