/**
 * The error-budget arithmetic of the SRE workbook and Sloth (docs/slo.md, "The arithmetic"): pure
 * functions of event counts, an objective and a window, so that every figure can be checked by hand.
 */

/** Good and total events (requests) over some stretch of time. */
export interface Events {
  good: number;
  total: number;
}

/** An objective in percent, e.g. 99.9: its error budget is the share 1 - 99.9 / 100 = 0.001 of events. */
export type Objective = number;

/** The share of events that were bad; null with no events (nothing to judge). */
export function errorRatio(events: Events): number | null {
  return events.total > 0 ? Math.max(0, events.total - events.good) / events.total : null;
}

/** The share of events the objective allows to be bad: 0.001 for 99.9. */
export function budgetShare(objective: Objective): number {
  return 1 - objective / 100;
}

/** How fast the budget burns: the error ratio over the allowed share. 1 spends exactly the budget in one window. */
export function burnRate(events: Events, objective: Objective): number | null {
  const ratio = errorRatio(events);
  return ratio === null ? null : ratio / budgetShare(objective);
}

export interface Budget {
  /** Minutes of full downtime the window allows: window minutes x the allowed share. */
  budgetMinutes: number;
  /** The window's error ratio as minutes of full downtime (window minutes x error ratio). */
  usedMinutes: number;
  /** budgetMinutes - usedMinutes; negative once the budget is overspent. */
  leftMinutes: number;
  /** usedMinutes / budgetMinutes, in percent (above 100 when overspent). */
  usedPercent: number;
  /** 100 - usedPercent (below 0 when overspent). */
  leftPercent: number;
}

/** The budget of a window of `windowMinutes` given its events; no events spend nothing. */
export function budgetOf(objective: Objective, windowMinutes: number, events: Events): Budget {
  const budgetMinutes = windowMinutes * budgetShare(objective);
  const usedMinutes = windowMinutes * (errorRatio(events) ?? 0);
  const usedPercent = (usedMinutes / budgetMinutes) * 100;
  return { budgetMinutes, usedMinutes, leftMinutes: budgetMinutes - usedMinutes, usedPercent, leftPercent: 100 - usedPercent };
}

/** The windows burn rates are measured over, in minutes: 5m, 30m, 1h, 6h and 3d. */
export const BURN_WINDOWS = [5, 30, 60, 360, 4320] as const;
export type BurnWindow = (typeof BURN_WINDOWS)[number];

/**
 * A multi-window burn-rate alert (SRE workbook, chapter 5): it fires while the burn rate is above
 * its factor over both the long and the short window. The factor spends `budgetSpent` of the whole
 * window's budget in the long window: 2% in 1 h gives 14.4 for a 30-day window, 5% in 6 h gives 6.
 */
export interface BurnAlert {
  name: string;
  longMinutes: BurnWindow;
  shortMinutes: BurnWindow;
  budgetSpent: number;
}

/** The two page-level alerts, "fast burn": what gates refuse on and guards act on. */
export const FAST_BURN_ALERTS: readonly BurnAlert[] = [
  { name: 'fast burn (1h and 5m)', longMinutes: 60, shortMinutes: 5, budgetSpent: 0.02 },
  { name: 'fast burn (6h and 30m)', longMinutes: 360, shortMinutes: 30, budgetSpent: 0.05 },
];

/** The burn rate over `alert.longMinutes` that spends `alert.budgetSpent` of a `windowMinutes` window's budget: 14.4 for 1 h of 30 d. */
export function alertFactor(alert: BurnAlert, windowMinutes: number): number {
  return (alert.budgetSpent * windowMinutes) / alert.longMinutes;
}

export interface AlertState {
  name: string;
  factor: number;
  longMinutes: number;
  shortMinutes: number;
  firing: boolean;
}

/** Each fast-burn alert, firing or not, from the burn rates over each window (null: no events there, which never fires). */
export function alertStates(burnRates: Record<BurnWindow, number | null>, windowMinutes: number): AlertState[] {
  return FAST_BURN_ALERTS.map((alert) => {
    const factor = alertFactor(alert, windowMinutes);
    const long = burnRates[alert.longMinutes];
    const short = burnRates[alert.shortMinutes];
    // Strictly above, as Sloth's rules compare: a burn of exactly the factor does not page.
    const firing = long !== null && short !== null && long > factor && short > factor;
    return { name: alert.name, factor, longMinutes: alert.longMinutes, shortMinutes: alert.shortMinutes, firing };
  });
}
