import type { ResolvedConfig } from '../config/load.js';
import { describeUrl } from '../db/postgres.js';
import { createMidair } from '../midair.js';
import type { RehearsalRecord } from './record.js';
import type { RehearsalReport } from './run.js';

/** What a rehearsal's report says about it, for the record: when, how it went, each stage's time. */
export function recordOf(report: RehearsalReport, attendees: string[]): RehearsalRecord {
  const stages = report.stages.map((s) => ({ stage: s.stage, seconds: s.seconds }));
  return {
    migration: report.migration,
    checksum: report.checksum,
    startedAt: report.stages[0]?.startedAt ?? new Date().toISOString(),
    endedAt: report.stages.at(-1)?.endedAt ?? new Date().toISOString(),
    ok: report.ok,
    attendees,
    database: report.original,
    stages,
  };
}

/**
 * Keeps the rehearsal in the control schema of the project's configured database (the one
 * `midair playbook` reads, not the one rehearsed on, which is never written to); returns which.
 */
export async function keepRecord(record: RehearsalRecord, settings: ResolvedConfig): Promise<string> {
  const midair = await createMidair({ resolved: settings, applicationName: `midair rehearse (pid ${process.pid})` });
  try {
    await midair.recordRehearsal(record);
  } finally {
    await midair.close();
  }
  return settings.database ? describeUrl(settings.database) : `the embedded database in ${settings.embeddedDir}`;
}
