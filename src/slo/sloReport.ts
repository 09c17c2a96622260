import type { Queryable } from '../db/executor.js';
import { isoTime } from '../db/sql.js';
import { MidairError } from '../errors.js';
import type { Migration } from '../migration/types.js';
import type { TeamConfig } from '../people/team.js';
import { budgetShare, errorRatio, type Events } from './budget.js';
import { declaredWindows, serviceDowntime } from './downtime.js';
import { durationMinutes } from './duration.js';
import { isoWeekName, weekStart, WEEK_MS } from './isoWeek.js';
import { migrationService } from './migrationService.js';
import { DEFAULT_WINDOW, type ServiceConfig } from './services.js';
import { SliUnknown } from './source.js';
import { sourceOf } from './status.js';

/** A migration that ran (some of) a week. */
export interface WeekMigration {
  name: string;
  stage: string;
  startedAt: string;
  endedAt: string | null;
}

/** One service's ISO week: Monday 00:00 UTC to the next, or to now for the current (partial) week. */
export interface WeekReport {
  /** ISO 8601 week, e.g. "2026-W11". */
  week: string;
  from: string;
  to: string;
  /** The current week, measured only up to now. */
  partial: boolean;
  /** Null with an unknown SLI. */
  events: Events | null;
  /** Good over all requests, in percent; null with no requests or an unknown SLI. */
  availability: number | null;
  /** The week's error ratio x the week's minutes: minutes of full downtime the week spent; null with no requests or an unknown SLI. */
  budgetUsedMinutes: number | null;
  /** budgetUsedMinutes as a share of the whole window's budget, in percent; null with no requests or an unknown SLI. */
  budgetUsedPercent: number | null;
  /** Breach minutes inside planned windows; null with an unknown SLI (declared incidents alone would read as little downtime). */
  plannedMinutes: number | null;
  unplannedMinutes: number | null;
  /** The migrations of this service that were running at some time in the week. */
  migrations: WeekMigration[];
}

export interface ServiceReport {
  service: string;
  objective: number;
  window: string;
  /** The budget of the whole window, in minutes: what budgetUsedPercent is a share of. */
  windowBudgetMinutes: number;
  /** Why the SLI could not be read; null when it was. */
  unknown: string | null;
  /** Oldest first; the last is the current, partial week. */
  weeks: WeekReport[];
}

export interface SloReport {
  at: string;
  weeks: number;
  services: ServiceReport[];
}

interface MigrationRow extends WeekMigration {
  definition: Migration;
}

/** The service a recorded migration belongs to; null when it names none (or one no longer declared). */
function serviceOfMigration(settings: { team: TeamConfig | null; services: Record<string, ServiceConfig> }, migration: Migration): string | null {
  try {
    return migrationService(settings, migration)?.name ?? null;
  } catch (error) {
    if (error instanceof MidairError) return null;
    throw error;
  }
}

/**
 * Per service and ISO week, the last `weeks` weeks up to `now`: availability, the budget the week used,
 * planned and unplanned downtime minutes, and the migrations that ran that week.
 */
export async function sloReport(
  db: Queryable,
  settings: { team: TeamConfig | null; services: Record<string, ServiceConfig> },
  services: [string, ServiceConfig][],
  weeks: number,
  now: Date,
): Promise<SloReport> {
  const first = new Date(weekStart(now).getTime() - (weeks - 1) * WEEK_MS);
  const ranges = Array.from({ length: weeks }, (_, i) => {
    const from = new Date(first.getTime() + i * WEEK_MS);
    const end = new Date(from.getTime() + WEEK_MS);
    return { from, to: end < now ? end : now, partial: end > now };
  });
  const windows = await declaredWindows(db, services.map(([name]) => name), first, now);
  const migrations = await db.query<MigrationRow>(
    `SELECT name, stage, ${isoTime('started_at')} AS "startedAt", ${isoTime('ended_at')} AS "endedAt", definition
       FROM midair.migrations WHERE started_at < $2 AND coalesce(ended_at, 'infinity') > $1 ORDER BY started_at, id`,
    [first.toISOString(), now.toISOString()],
  );
  const report: ServiceReport[] = [];
  for (const [name, service] of services) {
    const window = service.window ?? DEFAULT_WINDOW;
    const windowBudgetMinutes = durationMinutes(window)! * budgetShare(service.availability);
    const source = sourceOf(db, name, service);
    const mine = migrations.filter((m) => serviceOfMigration(settings, m.definition) === name);
    let unknown: string | null = null;
    const weekReports: WeekReport[] = [];
    for (const { from, to, partial } of ranges) {
      let events: Events = { good: 0, total: 0 };
      try {
        if (unknown === null) events = await source.events('availability', from, to);
      } catch (error) {
        if (!(error instanceof SliUnknown)) throw error;
        unknown = error.message;
      }
      const week = { week: isoWeekName(from), from: from.toISOString(), to: to.toISOString(), partial };
      const ran = mine.filter((m) => Date.parse(m.startedAt) < to.getTime() && (m.endedAt === null || Date.parse(m.endedAt) > from.getTime()));
      const weekMigrations = ran.map(({ name, stage, startedAt, endedAt }) => ({ name, stage, startedAt, endedAt }));
      if (unknown !== null) {
        weekReports.push({ ...week, events: null, availability: null, budgetUsedMinutes: null, budgetUsedPercent: null, plannedMinutes: null, unplannedMinutes: null, migrations: weekMigrations });
        continue;
      }
      // A week without requests measured nothing (tracking broken, or the service not there yet): no
      // availability and no budget used, never a perfect week; its downtime is what was declared in it.
      const downtime = await serviceDowntime(db, name, service, windows, from, to);
      const ratio = errorRatio(events);
      const budgetUsedMinutes = ratio === null ? null : ((to.getTime() - from.getTime()) / 60_000) * ratio;
      weekReports.push({
        ...week,
        events,
        availability: ratio === null ? null : (events.good / events.total) * 100,
        budgetUsedMinutes,
        budgetUsedPercent: budgetUsedMinutes === null ? null : (budgetUsedMinutes / windowBudgetMinutes) * 100,
        plannedMinutes: downtime.plannedMinutes,
        unplannedMinutes: downtime.unplannedMinutes,
        migrations: weekMigrations,
      });
    }
    report.push({ service: name, objective: service.availability, window, windowBudgetMinutes, unknown, weeks: weekReports });
  }
  return { at: now.toISOString(), weeks, services: report };
}
