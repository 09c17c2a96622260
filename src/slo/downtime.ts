import type { Queryable } from '../db/executor.js';
import { DOWNTIME_COLUMNS, type DeclaredDowntime } from './declareDowntime.js';
import type { ServiceConfig } from './services.js';
import { SliUnknown, type SliKind } from './source.js';
import { sourceOf } from './status.js';

/** Why a minute is a breach minute: its SLI of that kind was under the objective, or an incident was declared over it. */
export type BreachCause = SliKind | 'incident';

export interface BreachMinute {
  /** The minute's start, ISO 8601. */
  minute: string;
  why: BreachCause[];
  /** Inside a planned window of its service, after it was declared, and under no declared incident. */
  planned: boolean;
}

/** One service's breach minutes over the range. */
export interface ServiceDowntime {
  service: string;
  plannedMinutes: number;
  unplannedMinutes: number;
  minutes: BreachMinute[];
  /** Why the SLI could not be read (then only declared incidents count); null when it was. */
  unknown: string | null;
}

/** `midair downtime list`: the declared windows and the breach minutes from `from` to `to`. */
export interface DowntimeLog {
  from: string;
  to: string;
  windows: DeclaredDowntime[];
  services: ServiceDowntime[];
}

const MINUTE = 60_000;

/** The declared windows of `services` that overlap from..to, oldest first. */
export async function declaredWindows(db: Queryable, services: string[], from: Date, to: Date): Promise<DeclaredDowntime[]> {
  return db.query<DeclaredDowntime>(
    `SELECT ${DOWNTIME_COLUMNS} FROM midair.downtime WHERE service = ANY($1) AND starts_at < $3 AND ends_at > $2 ORDER BY starts_at, id`,
    [services, from.toISOString(), to.toISOString()],
  );
}

/** The minutes (their starts) that begin inside a window, within from..to. */
function minutesInside(window: DeclaredDowntime, from: Date, to: Date): number[] {
  const first = Math.ceil(Math.max(Date.parse(window.from), from.getTime()) / MINUTE) * MINUTE;
  const end = Math.min(Date.parse(window.to), to.getTime());
  const minutes: number[] = [];
  for (let m = first; m < end; m += MINUTE) minutes.push(m);
  return minutes;
}

/**
 * A service's breach minutes from `from` to `to`: each minute whose availability (or, when declared,
 * latency) SLI was under the objective, and each minute of a declared incident. A minute is planned
 * when it starts inside a planned window of the service, at or after the window was declared, and no
 * incident was declared over it.
 */
export async function serviceDowntime(db: Queryable, name: string, service: ServiceConfig, windows: DeclaredDowntime[], from: Date, to: Date): Promise<ServiceDowntime> {
  const causes = new Map<number, Set<BreachCause>>();
  const add = (minute: number, cause: BreachCause) => causes.set(minute, (causes.get(minute) ?? new Set()).add(cause));
  let unknown: string | null = null;
  const objectives: [SliKind, number][] = [['availability', service.availability]];
  if (service.latency) objectives.push(['latency', service.latency.percent]);
  try {
    const source = sourceOf(db, name, service);
    for (const [kind, objective] of objectives) {
      for (const m of await source.minutes(kind, from, to)) if ((m.good / m.total) * 100 < objective) add(m.minute.getTime(), kind);
    }
  } catch (error) {
    if (!(error instanceof SliUnknown)) throw error;
    unknown = error.message;
  }
  const mine = windows.filter((w) => w.service === name);
  for (const incident of mine.filter((w) => w.kind === 'incident')) for (const m of minutesInside(incident, from, to)) add(m, 'incident');
  // From its declaration on, not its start: a window declared mid-outage leaves the minutes before it unplanned.
  const plannedWindows = mine.filter((w) => w.kind === 'planned').map((w) => ({ start: Math.max(Date.parse(w.from), Date.parse(w.declaredAt)), end: Date.parse(w.to) }));
  const isPlanned = (m: number) => plannedWindows.some((w) => w.start <= m && m < w.end);
  const minutes = [...causes.entries()]
    .sort(([a], [b]) => a - b)
    .map(([m, why]) => ({ minute: new Date(m).toISOString(), why: [...why].sort(), planned: !why.has('incident') && isPlanned(m) }));
  const planned = minutes.filter((m) => m.planned).length;
  return { service: name, plannedMinutes: planned, unplannedMinutes: minutes.length - planned, minutes, unknown };
}

/** The downtime log of `services` from `from` to `to`: the declared windows and each service's breach minutes. */
export async function downtimeLog(db: Queryable, services: [string, ServiceConfig][], from: Date, to: Date): Promise<DowntimeLog> {
  const windows = await declaredWindows(db, services.map(([name]) => name), from, to);
  const perService: ServiceDowntime[] = [];
  for (const [name, service] of services) perService.push(await serviceDowntime(db, name, service, windows, from, to));
  return { from: from.toISOString(), to: to.toISOString(), windows, services: perService };
}
