import { pauseInProgress } from '../backfill/control.js';
import type { Queryable, Transactional } from '../db/executor.js';
import { MidairError } from '../errors.js';
import { processActor } from '../people/actor.js';
import type { TeamConfig } from '../people/team.js';
import { firingAlerts } from '../stages/gates/budget.js';
import { pullKillSwitch } from '../stages/killSwitch.js';
import { activeMigrations, type MigrationRecord } from '../state/store.js';
import { migrationService } from './migrationService.js';
import type { ServiceConfig } from './services.js';
import { serviceStatus } from './status.js';

/** What the budget guard pulls the kill switch as: killed.auto, which `midair gates` and the resume gate name. */
export const BUDGET_GUARD = 'budget fast burn';

/** Instances and backfill loops judge the budget at most this often: a burn rate over 5 minutes does not change faster. */
export const BUDGET_CHECK_MS = 10_000;

/** What the budget guard did about a fast burn of a migration's service. */
export interface BudgetEnforcement {
  migration: string;
  stage: string;
  service: string;
  /** Every fast-burn alert firing, with its burn rates. */
  alerts: string[];
  /** The burn rates of each objective (e.g. availability: { "5m": 1000, "1h": 1000, ... }). */
  burnRates: Record<string, Record<string, number | null>>;
  reason: string;
  /** True when this call paused the backfill (false: none in progress, or paused already). */
  paused: boolean;
  /** True when this call pulled the kill switch (false: not live, or pulled already). */
  pulled: boolean;
}

type BudgetSettings = { team: TeamConfig | null; services: Record<string, ServiceConfig> };

const RESUME_IS_A_PERSONS_CALL = 'resuming is a person\'s decision once the burn is understood';

/**
 * The budget guard of a running migration (docs/slo.md, "Gates and guards"): while a fast burn of its
 * service fires, a backfill in progress is paused and a live migration's kill switch is pulled (the
 * ramp goes back to 0: every record to the old shape), each with an audit row saying why. Safe from
 * any number of processes at once: each action is taken once, and the others get false. Null when the
 * migration has no service (or services are off) or no fast burn fires; an SLI that cannot be read
 * fires nothing (the gates refuse on it; the guard acts on evidence only).
 */
export async function enforceBudget(
  db: Transactional,
  settings: BudgetSettings,
  migration: MigrationRecord,
  now: Date,
  /** Hears why the SLI could not be read: a guard that runs every round says so once (GuardOutage). */
  onSliUnknown: (reason: string) => void = () => {},
): Promise<BudgetEnforcement | null> {
  const service = migrationService(settings, migration.definition);
  if (!service) return null;
  const status = await serviceStatus(db, service.name, service.config, now);
  if (status.unknown !== null) onSliUnknown(status.unknown);
  if (!status.fastBurn) return null;
  const alerts = firingAlerts(status);
  const burnRates = Object.fromEntries(status.objectives.map((o) => [o.kind, o.burnRates]));
  const reason = `budget guard: fast burn of service "${service.name}" (${alerts.join('; ')})`;
  const details = { guard: BUDGET_GUARD, service: service.name, alerts, burnRates, reason };
  const actor = processActor();
  // The kill switch first: an application role allowed to pull it may lack the backfill's privileges (docs/client.md).
  const killed = migration.stage === 'live' && (await db.transaction((tx) => pullKillSwitch(tx, migration, { by: actor, reason, auto: BUDGET_GUARD }, ['live'], { ...details })));
  const paused = await db.transaction((tx) =>
    pauseInProgress(tx, migration, actor, `the budget guard (fast burn of service "${service.name}")`, { ...details, resume: `${RESUME_IS_A_PERSONS_CALL}: \`midair backfill resume ${migration.name}\`` }),
  );
  return { migration: migration.name, stage: migration.stage, service: service.name, alerts, burnRates, reason, paused, pulled: Boolean(killed) };
}

/**
 * The active migrations whose budget is `service`'s (a migration naming an undeclared service belongs
 * to none). None for a role that may not read midair.migrations: an instance that only counts its
 * requests (docs/slo.md) routes nothing and leaves the guard to the others and to the backfills.
 */
export async function migrationsOfService(db: Queryable, settings: BudgetSettings & { schema: string }, service: string): Promise<MigrationRecord[]> {
  if (!settings.services[service]) return [];
  const [reads] = await db.query<{ may: boolean }>(`SELECT has_table_privilege('midair.migrations', 'SELECT') AS may`);
  if (!reads?.may) return [];
  const ofService = (m: MigrationRecord) => {
    try {
      return migrationService(settings, m.definition)?.name === service;
    } catch (error) {
      if (error instanceof MidairError) return false;
      throw error;
    }
  };
  return (await activeMigrations(db, settings.schema)).filter(ofService);
}

/**
 * `fn` run at most every `ms` however often it is asked (the first ask runs it): an ask while it runs
 * waits for it (a backfill's other workers claim nothing before the guard judged), later asks return at once.
 */
export function atMostEvery(ms: number, fn: () => Promise<void>): () => Promise<void> {
  let last = -Infinity;
  let running: Promise<void> | null = null;
  return async () => {
    if (running) return running;
    if (Date.now() - last < ms) return;
    last = Date.now();
    running = fn().finally(() => (running = null));
    return running;
  };
}
