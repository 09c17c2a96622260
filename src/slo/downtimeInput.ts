import { MidairError } from '../errors.js';
import { parseTime } from './strictTime.js';

/** What `midair downtime plan` and `midair downtime incident` declare. */
export interface DowntimeInput {
  service: string;
  /** When it starts: an ISO 8601 time with its zone ("2026-03-10T14:00:00Z", "2026-03-10T15:00:00+01:00") or a Date. */
  from: string | Date;
  /** When it ends (exclusive). */
  to: string | Date;
  /** Why, for the people reading the log and the weekly report. */
  reason: string;
}

/** A range whose start comes before its end, or an error that says which is which. */
export function parseRange(from: string | Date, to: string | Date): { from: Date; to: Date } {
  const range = { from: parseTime('from', from), to: parseTime('to', to) };
  if (range.from >= range.to) {
    throw new MidairError(`from ${range.from.toISOString()} is not before to ${range.to.toISOString()}`, 'give a --from earlier than --to');
  }
  return range;
}

/** The input checked: a service, times that parse, from before to, and a reason. The service is checked by the caller against the config. */
export function checkDowntime(input: DowntimeInput): { service: string; from: Date; to: Date; reason: string } {
  if (!input.service) throw new MidairError('a declared downtime needs the service it is about', 'name it, e.g. --service accounts-api');
  const reason = (input.reason ?? '').trim();
  if (!reason) throw new MidairError('a declared downtime needs a reason', 'say why, e.g. --reason "move to the new cluster"');
  return { service: input.service, ...parseRange(input.from, input.to), reason };
}
