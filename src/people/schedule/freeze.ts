import { Cron } from 'croner';
import type { FreezeWindow } from '../team.js';

/** A freeze window that holds at an instant: why, and until when. */
export interface FreezeHold {
  reason: string;
  until: Date;
}

/** Cron windows longer than the time between their starts chain; this bounds the chaining. */
const MAX_CHAINED = 1000;

function cronOf(w: Extract<FreezeWindow, { cron: string }>): Cron {
  return new Cron(w.cron, { timezone: w.timezone, paused: true });
}

/** An ISO date or date-time as an instant: UTC unless it names an offset; a date alone is the start of its day (or, as an end, the end of it). */
function instantOf(value: string, end: boolean): Date {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(Date.parse(`${value}T00:00:00Z`) + (end ? 86_400_000 : 0));
  return new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? value : `${value}Z`);
}

/** How a freeze window is named in a refusal: its reason, else what it is. */
function describeFreeze(w: FreezeWindow): string {
  const what = 'cron' in w ? `cron "${w.cron}" in ${w.timezone}, ${w.durationMinutes} min` : `${w.from} to ${w.to}`;
  return w.reason ? `freeze "${w.reason}" (${what})` : `freeze (${what})`;
}

/** When a window holds at `at`, until when; null when it does not. */
function holdOf(w: FreezeWindow, at: Date): Date | null {
  if (!('cron' in w)) {
    const from = instantOf(w.from, false);
    const to = instantOf(w.to, true);
    return from <= at && at < to ? to : null;
  }
  const cron = cronOf(w);
  const length = w.durationMinutes * 60_000;
  // The last start at or before `at` (croner's previousRuns is strictly before, hence the millisecond).
  const [last] = cron.previousRuns(1, new Date(at.getTime() + 1));
  if (!last || last.getTime() + length <= at.getTime()) return null;
  let until = last.getTime() + length;
  let start = last;
  for (let i = 0; i < MAX_CHAINED; i++) {
    const next = cron.nextRun(start);
    if (!next || next.getTime() >= until) break;
    until = Math.max(until, next.getTime() + length);
    start = next;
  }
  return new Date(until);
}

/** Every freeze window holding at `at`, each with when it ends. */
export function freezesAt(windows: readonly FreezeWindow[], at: Date): FreezeHold[] {
  const out: FreezeHold[] = [];
  for (const w of windows) {
    const until = holdOf(w, at);
    if (until) out.push({ reason: describeFreeze(w), until });
  }
  return out;
}

/** The first instant after `at` at which some freeze window starts, or null when none does. */
export function nextFreezeStart(windows: readonly FreezeWindow[], at: Date): Date | null {
  let first: Date | null = null;
  for (const w of windows) {
    const start = 'cron' in w ? cronOf(w).nextRun(at) : instantOf(w.from, false);
    if (start && start > at && (!first || start < first)) first = start;
  }
  return first;
}

