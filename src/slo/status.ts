import type { Queryable } from '../db/executor.js';
import { alertStates, budgetOf, burnRate, BURN_WINDOWS, type AlertState, type Budget, type BurnWindow, type Events } from './budget.js';
import { builtinSource } from './builtinSource.js';
import { describeMinutes, durationMinutes } from './duration.js';
import { prometheusSource } from './prometheusSource.js';
import { DEFAULT_WINDOW, type ServiceConfig } from './services.js';
import { SliUnknown, type SliKind, type SliSource } from './source.js';

/** One objective of a service now: its SLI over the window, the budget, burn rates and alerts. */
export interface ObjectiveStatus {
  kind: SliKind;
  /** The objective in percent, e.g. 99.9. */
  objective: number;
  /** For latency: the bound a good request is answered under. */
  underMs: number | null;
  /** Good events over all events in the window, in percent (a window without events is an unknown SLI, not a status). */
  sli: number;
  events: Events;
  budget: Budget;
  /** Burn rate over each window ("5m", "30m", "1h", "6h", "3d"); null with no events there. */
  burnRates: Record<string, number | null>;
  alerts: AlertState[];
}

/** A service's SLO state at one instant (`midair slo`); `unknown` says why it could not be read. */
export interface ServiceStatus {
  service: string;
  source: string;
  window: string;
  windowMinutes: number;
  at: string;
  /** The objectives whose SLI could be read. */
  objectives: ObjectiveStatus[];
  /** Why the SLI (of some objective) could not be read (SliUnknown's message); null when it was. */
  unknown: string | null;
  /** What to check so that it can be read; null when it was. */
  hint: string | null;
  /** A fast-burn alert fires on some objective. */
  fastBurn: boolean;
  /** The least budget left of the objectives, in percent; null when unknown. */
  budgetLeftPercent: number | null;
}

/** Where a service's SLI comes from: Prometheus when configured, else Midair's own tracking in `db`. */
export function sourceOf(db: Queryable, name: string, service: ServiceConfig): SliSource {
  return service.sli?.prometheus ? prometheusSource(name, service.sli.prometheus) : builtinSource(db, name);
}

/** The objectives a service declares, availability first. */
function objectivesOf(service: ServiceConfig): { kind: SliKind; objective: number; underMs: number | null }[] {
  const objectives: { kind: SliKind; objective: number; underMs: number | null }[] = [{ kind: 'availability', objective: service.availability, underMs: null }];
  if (service.latency) objectives.push({ kind: 'latency', objective: service.latency.percent, underMs: service.latency.underMs });
  return objectives;
}

/**
 * No requests over the whole window: nothing measured, so nothing known. A full budget here would let
 * risky steps pass on a service whose tracking is broken or whose query counts nothing. For latency,
 * the built-in source counts only requests tracked with a latency.
 */
function noRequests(service: string, source: SliSource, kind: SliKind, window: string): SliUnknown {
  if (source.name === 'prometheus') {
    return new SliUnknown(service, `no requests tracked in the last ${window}`, "does the query sli.prometheus.total count the service's requests (try it in Prometheus's query page)? Until requests are counted, risky steps are refused unless forced");
  }
  if (kind === 'latency') {
    return new SliUnknown(service, `no request tracked with a latency in the last ${window}`, 'does midair.track() get latencyMs (midair.middleware() gives it)? Until requests are timed, risky steps are refused unless forced');
  }
  return new SliUnknown(service, `no requests tracked in the last ${window}`, "is midair.track() or midair.middleware() running in the service's instances (docs/client.md)? Until requests are counted, risky steps are refused unless forced");
}

/** An objective's status, or why it is unknown when the window has no requests (a source that cannot be read throws). */
async function objectiveStatus(service: string, source: SliSource, objective: ReturnType<typeof objectivesOf>[number], windowMinutes: number, now: Date): Promise<ObjectiveStatus | SliUnknown> {
  const since = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
  const events = await source.events(objective.kind, since(windowMinutes), now);
  if (events.total === 0) return noRequests(service, source, objective.kind, describeMinutes(windowMinutes));
  const byWindow = {} as Record<BurnWindow, number | null>;
  const burnRates: Record<string, number | null> = {};
  for (const minutes of BURN_WINDOWS) {
    const rate = burnRate(await source.events(objective.kind, since(minutes), now), objective.objective);
    byWindow[minutes] = rate;
    burnRates[describeMinutes(minutes)] = rate;
  }
  return {
    ...objective,
    sli: (events.good / events.total) * 100,
    events,
    budget: budgetOf(objective.objective, windowMinutes, events),
    burnRates,
    alerts: alertStates(byWindow, windowMinutes),
  };
}

/**
 * A service's SLO state at `now`: each objective's SLI, budget, burn rates and fast-burn alerts.
 * An SLI that cannot be read, or no requests over the whole window, gives `unknown` and a `hint`
 * (never a budget that looks fine). One objective without requests (latency, when no request is
 * timed) leaves the others judged: a fast burn of availability still fires.
 */
export async function serviceStatus(db: Queryable, name: string, service: ServiceConfig, now: Date): Promise<ServiceStatus> {
  const window = service.window ?? DEFAULT_WINDOW;
  const windowMinutes = durationMinutes(window)!;
  const source = sourceOf(db, name, service);
  const base = { service: name, source: source.name, window, windowMinutes, at: now.toISOString() };
  try {
    const objectives: ObjectiveStatus[] = [];
    let unknown: SliUnknown | null = null;
    for (const objective of objectivesOf(service)) {
      const status = await objectiveStatus(name, source, objective, windowMinutes, now);
      if (status instanceof SliUnknown) unknown ??= status;
      else objectives.push(status);
    }
    return {
      ...base,
      objectives,
      unknown: unknown?.message ?? null,
      hint: unknown ? (unknown.hint ?? null) : null,
      fastBurn: objectives.some((o) => o.alerts.some((a) => a.firing)),
      budgetLeftPercent: unknown ? null : Math.min(...objectives.map((o) => o.budget.leftPercent)),
    };
  } catch (error) {
    if (!(error instanceof SliUnknown)) throw error;
    return { ...base, objectives: [], unknown: error.message, hint: error.hint ?? null, fastBurn: false, budgetLeftPercent: null };
  }
}
