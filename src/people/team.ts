/**
 * The people side of migrations (docs/people.md), as `midair.config.ts` declares it under `team`.
 * Person ids are the keys of `people`; everything else names people by id.
 */
export interface TeamConfig {
  people: Record<string, Person>;
  /** The tools a migration relies on, each with its backup: e.g. warRoom, chat, pager, passwords. */
  tools?: Record<string, Tool>;
  /** People of migrations kept in the config, by migration name; a field here wins over the migration file's. */
  migrations?: Record<string, MigrationPeople>;
  /** When risky steps are refused whatever the people's availability. */
  freeze?: FreezeWindow[];
  /** What makes a step risky (the schedule guard judges only risky steps). */
  risk?: RiskThresholds;
  /** Where notifications go, and when they escalate. */
  paging?: PagingConfig;
}

export interface Person {
  name: string;
  /** IANA time zone, e.g. "Europe/Berlin": working hours and absences are in it. */
  timezone: string;
  /** Default: Monday to Friday, 09:00 to 17:00 in the person's time zone. */
  workingHours?: WorkingHours;
  /** How to reach the person, in order of preference. */
  contacts: Contact[];
  /** Country or region for public holidays, as date-holidays names it: "DE", "US-CA", "GB-SCT". */
  region?: string;
  /** Dates away (inclusive, in the person's time zone). */
  away?: Absence[];
  /** PostgreSQL login roles that are this person: connecting as one identifies them. */
  roles?: string[];
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface WorkingHours {
  /** Default mon to fri. */
  days?: Weekday[];
  /** "HH:MM", local time. */
  from: string;
  /** "HH:MM", local time, after `from`. */
  to: string;
}

export type Contact = { email: string } | { phone: string } | { chat: string } | { pager: string };

export interface Absence {
  /** "YYYY-MM-DD", first day away. */
  from: string;
  /** "YYYY-MM-DD", last day away. */
  to: string;
  reason?: string;
}

export interface Tool {
  /** Where it is: a URL, a phone number, a channel. */
  primary: string;
  /** What to use when the primary is down. */
  backup: string;
  description?: string;
}

/** Who owns a migration and who decides for it; in the migration file or in the config's team.migrations. */
export interface MigrationPeople {
  owners?: Owners;
  /** The one person who may call a rollback or the kill switch on a live migration; the secondary owner is the deputy unless given. */
  rollbackAuthority?: string | { person: string; deputy: string };
  /** The service the migration belongs to. */
  service?: string;
  /** Steps that need approval, and from whom. Default: complete, by one person other than the one who runs it. */
  approvals?: Partial<Record<ApprovableStep, ApprovalRule>>;
}

export interface Owners {
  primary: string;
  secondary: string;
  tertiary?: string;
}

/** The steps an approval can be given for. */
/** No rollback: an undo must always stay possible, so it never waits for approvals. */
export const APPROVABLE_STEPS = ['start', 'shadow', 'live', 'ramp', 'rampdown', 'complete'] as const;
export type ApprovableStep = (typeof APPROVABLE_STEPS)[number];

export interface ApprovalRule {
  /** How many distinct people must approve. Default 1. */
  count?: number;
  /** Who may approve; default anyone in the team. The person who runs the step never counts. */
  from?: string[];
}

export type FreezeWindow =
  | { /** Cron expression of each window's start. */ cron: string; /** IANA time zone of the cron expression. */ timezone: string; /** Minutes each window lasts. */ durationMinutes: number; reason?: string }
  | { /** ISO date or date-time the freeze starts (UTC unless it names an offset). */ from: string; /** ISO date or date-time it ends; a date alone ends at the end of that day. */ to: string; reason?: string };

export interface RiskThresholds {
  /** `start` is risky on a table of more rows than this. Default 1,000,000. */
  startRows?: number;
  /** A ramp step to a percentage above this is risky. Default 10. */
  rampAbove?: number;
}

export interface PagingConfig {
  /** Channels notifications go through, in order. */
  channels: PagingChannel[];
  /** Minutes without `midair ack` before the next owner is paged. Default 15. */
  escalateAfterMinutes?: number;
}

export interface PagingChannel {
  /** Named in the audit log and as another channel's backup. */
  name: string;
  kind: 'webhook' | 'slack' | 'pagerduty';
  /** The receiver's URL (PagerDuty: the Events API v2 endpoint). */
  url: string;
  /** PagerDuty's integration (routing) key. */
  routingKey?: string;
  /** The channel used when this one fails after its retries. */
  backup?: string;
  /** Default 5000. */
  timeoutMs?: number;
  /** Tries after the first. Default 2. */
  retries?: number;
}
