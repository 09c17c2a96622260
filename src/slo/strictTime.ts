import { MidairError } from '../errors.js';

/** An ISO 8601 date and time with its zone: 2026-03-10T14:00Z, 2026-03-10T15:00:00.5+01:00. */
const WITH_ZONE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
/** The same without a zone, "T" or a space between date and time: what Date would read as local time. */
const WITHOUT_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;

const example = (flag: string) => `e.g. ${flag} 2026-03-10T14:00:00Z or ${flag} 2026-03-10T15:00:00+01:00`;

/** Whether each field is in its range and the day exists in its month (Date would roll 02-30 over to 03-02). */
function exists(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = match.slice(1).map((n) => Number(n ?? 0)) as number[];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  return month! >= 1 && month! <= 12 && day! >= 1 && day! <= daysInMonth && hour! <= 23 && minute! <= 59 && second! <= 59 && offsetHours! <= 23 && offsetMinutes! <= 59;
}

/**
 * A time given as a Date, or as an ISO 8601 text with an explicit zone (Z or ±hh:mm) for a date and
 * time that exist: a time without a zone would depend on the machine's local zone, and Date parsing
 * would roll 2026-02-30 over to March. `field` names the flag in the error ("from" for --from).
 */
export function parseTime(field: string, value: string | Date): Date {
  const flag = `--${field}`;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new MidairError(`${flag} is an invalid Date`, `pass a valid Date or an ISO 8601 time with its zone, ${example(flag)}`);
    return value;
  }
  const text = String(value).trim();
  const match = WITH_ZONE.exec(text);
  if (!match) {
    if (WITHOUT_ZONE.test(text)) {
      throw new MidairError(`${flag} ${JSON.stringify(text)} has no time zone: it would be read in the local time of whatever machine runs midair`, `add Z for UTC or the offset, ${example(flag)}`);
    }
    throw new MidairError(`${flag} ${JSON.stringify(String(value))} is not a time`, `write an ISO 8601 time with its zone, ${example(flag)}`);
  }
  if (!exists(match)) throw new MidairError(`${flag} ${JSON.stringify(text)} is not a real date and time`, `write an ISO 8601 time with its zone, ${example(flag)}`);
  return new Date(text);
}
