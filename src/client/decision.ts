import type { RoutingState } from '../stages/routing.js';
import { routedNew, type Side } from './route.js';

/** Which side serves a record, and which side (if any) is read besides on a sample, to compare. */
export interface Decision {
  served: Side;
  other: Side | null;
}

const OLD_ONLY: Decision = { served: 'old', other: null };
const NEW_ONLY: Decision = { served: 'new', other: null };

/**
 * The routing table of docs/client.md: a migration not known yet, expanding, expanded, rolling back
 * or rolled back, and a killed one, serve old only; shadow serves old and compares new (or old
 * again in A/A mode); live serves a record's routed side and compares the other; rampdown and
 * complete serve new only.
 */
export function decide(state: RoutingState | null, key: string, aa: boolean): Decision {
  if (!state) return OLD_ONLY;
  if (state.stage === 'complete') return NEW_ONLY;
  if (state.killed) return OLD_ONLY;
  switch (state.stage) {
    case 'shadow':
      return { served: 'old', other: aa ? 'old' : 'new' };
    case 'live':
      return routedNew(state.migration, key, state.rampPercent, state.canary) ? { served: 'new', other: 'old' } : { served: 'old', other: 'new' };
    case 'rampdown':
      return NEW_ONLY;
    default:
      return OLD_ONLY;
  }
}

/** The share of records this routing sends to the new shape, as instances report it. */
export function appliedPercent(state: RoutingState): number {
  if (state.stage === 'complete' || state.stage === 'rampdown') return 100;
  if (state.killed || state.stage !== 'live') return 0;
  return state.rampPercent;
}
