import { MidairError } from '../errors.js';
import type { Events } from './budget.js';

/** What an SLI measures: requests that succeeded, or requests answered under the latency objective. */
export type SliKind = 'availability' | 'latency';

/** The events of one minute (its start), for the downtime log. */
export interface MinuteEvents extends Events {
  minute: Date;
}

/** Where a service's SLI comes from: Midair's own request tracking, or Prometheus. */
export interface SliSource {
  /** "built-in" or "prometheus", for people. */
  readonly name: string;
  /** The good and total events of `kind` from `from` (inclusive) to `to` (exclusive). */
  events(kind: SliKind, from: Date, to: Date): Promise<Events>;
  /** The events of `kind` per minute from `from` to `to`, only the minutes that had any. */
  minutes(kind: SliKind, from: Date, to: Date): Promise<MinuteEvents[]>;
}

/**
 * The SLI cannot be read (Prometheus unreachable, a query it rejects): budgets are unknown, and the
 * budget gate refuses risky steps unless forced, never passing silently.
 */
export class SliUnknown extends MidairError {
  constructor(
    readonly service: string,
    reason: string,
    hint: string,
  ) {
    super(`SLI unknown for service "${service}": ${reason}`, hint);
    this.name = 'SliUnknown';
  }
}
