import { z } from 'zod';
import { APPROVABLE_STEPS } from './team.js';

/** An IANA time zone the runtime knows, e.g. "Europe/Berlin". */
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const PERSON_ID_RULE = 'a person id is lower-case letters, digits, ".", "_" or "-"';
const personId = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, PERSON_ID_RULE);
const timezone = z.string().refine(isTimeZone, { error: (issue) => `${JSON.stringify(issue.input)} is not a time zone: use an IANA name such as "Europe/Berlin" or "America/New_York"` });
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day is "HH:MM", 24-hour');
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is "YYYY-MM-DD"').refine((s) => !Number.isNaN(Date.parse(s)), 'not a calendar date');
const instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'give an ISO date ("2026-12-24") or date-time ("2026-12-24T18:00:00+01:00")');
const nonEmpty = z.string().trim().min(1);

const contact = z.union([
  z.strictObject({ email: z.email() }),
  z.strictObject({ phone: nonEmpty }),
  z.strictObject({ chat: nonEmpty }),
  z.strictObject({ pager: nonEmpty }),
], { error: 'a contact is one of { email }, { phone }, { chat } or { pager }' });

const person = z.strictObject({
  name: nonEmpty,
  timezone,
  workingHours: z.strictObject({
    days: z.array(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'])).min(1).optional(),
    from: clock,
    to: clock,
  }).refine((h) => h.from < h.to, { message: '"to" must be after "from" (hours that cross midnight are two days)', path: ['to'] }).optional(),
  contacts: z.array(contact).min(1, 'give at least one way to reach the person'),
  region: z.string().regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/, 'a region is a country code, optionally with a state: "DE", "US-CA"').optional(),
  away: z.array(z.strictObject({ from: day, to: day, reason: z.string().optional() }).refine((a) => a.from <= a.to, { message: '"to" is before "from"', path: ['to'] })).optional(),
  roles: z.array(nonEmpty).optional(),
});

const tool = z.strictObject({ primary: nonEmpty, backup: nonEmpty, description: z.string().optional() });

/** The people fields of a migration, in its file or in team.migrations. */
export const migrationPeopleFields = {
  owners: z.strictObject({ primary: personId, secondary: personId, tertiary: personId.optional() }).optional(),
  rollbackAuthority: z.union([personId, z.strictObject({ person: personId, deputy: personId })]).optional(),
  service: nonEmpty.optional(),
  approvals: z.partialRecord(z.enum(APPROVABLE_STEPS), z.strictObject({
    count: z.number().int().positive().optional(),
    from: z.array(personId).min(1).optional(),
  })).optional(),
};

const freezeWindow = z.union([
  z.strictObject({ cron: nonEmpty, timezone, durationMinutes: z.number().positive(), reason: z.string().optional() }),
  z.strictObject({ from: instant, to: instant, reason: z.string().optional() }),
], { error: 'a freeze window is { cron, timezone, durationMinutes } or { from, to }' });

const channel = z.strictObject({
  name: nonEmpty,
  kind: z.enum(['webhook', 'slack', 'pagerduty']),
  url: z.url(),
  routingKey: nonEmpty.optional(),
  backup: nonEmpty.optional(),
  timeoutMs: z.number().int().positive().optional(),
  retries: z.number().int().min(0).optional(),
});

/** The shape of `team` in midair.config.ts; references between its parts are checked by checkTeam. */
export const teamSchema = z.strictObject({
  people: z.record(z.string(), person).superRefine((people, ctx) => {
    if (Object.keys(people).length === 0) ctx.addIssue({ code: 'custom', message: 'a team needs at least one person' });
    for (const id of Object.keys(people)) {
      if (!personId.safeParse(id).success) ctx.addIssue({ code: 'custom', path: [id], message: `${JSON.stringify(id)}: ${PERSON_ID_RULE}` });
    }
  }),
  tools: z.record(nonEmpty, tool).optional(),
  migrations: z.record(z.string(), z.strictObject(migrationPeopleFields)).optional(),
  freeze: z.array(freezeWindow).optional(),
  risk: z.strictObject({ startRows: z.number().int().min(0).optional(), rampAbove: z.number().min(0).max(100).optional() }).optional(),
  paging: z.strictObject({
    channels: z.array(channel).min(1),
    escalateAfterMinutes: z.number().positive().optional(),
  }).optional(),
});
