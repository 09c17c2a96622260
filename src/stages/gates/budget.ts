import type { Queryable } from '../../db/executor.js';
import { MidairError, MidairRefusal } from '../../errors.js';
import type { Migration } from '../../migration/types.js';
import { describeMinutes } from '../../slo/duration.js';
import { migrationService } from '../../slo/migrationService.js';
import { serviceStatus, type ServiceStatus } from '../../slo/status.js';
import { passed, refused, type Asker, type Gate, type GateInput, type Verdict } from '../gate.js';
import { riskyRamp } from './schedule.js';

/** The fast-burn alerts firing now, each with its burn rates, e.g. "fast burn (1h and 5m) of availability: 600.0x over 1h and 600.0x over 5m, above 14.4x". */
export function firingAlerts(status: ServiceStatus): string[] {
  return status.objectives.flatMap((o) =>
    o.alerts
      .filter((a) => a.firing)
      .map((a) => {
        const rate = (minutes: number) => `${(o.burnRates[describeMinutes(minutes)] ?? 0).toFixed(1)}x over ${describeMinutes(minutes)}`;
        return `${a.name} of ${o.kind}: ${rate(a.longMinutes)} and ${rate(a.shortMinutes)}, above ${a.factor.toFixed(1)}x`;
      }),
  );
}

/**
 * Budget left under the bound, to a millionth of a percent: budgets are floating-point sums
 * (25% left can come out as 24.99999999999%), and a budget exactly at the bound passes.
 */
function under(leftPercent: number, bound: number): boolean {
  return Math.round(leftPercent * 1e6) < Math.round(bound * 1e6);
}

const forceHint = 'or run it now with --force --reason "<why>" (recorded in the audit log)';

/**
 * Judges a risky step (`what`, e.g. "complete") of a migration by its service's error budget at
 * asker.now (docs/slo.md, "Gates and guards"): refused while some objective has less budget left than
 * slo.minBudgetLeft, while a fast burn fires, or while the SLI cannot be read (never a silent pass).
 * No services configured, or a migration naming none: it passes with { service: null }.
 */
export async function judgeBudget(db: Queryable, asker: Asker, migration: Migration, what: string): Promise<Verdict> {
  const { budgets, team, now } = asker;
  let service: ReturnType<typeof migrationService>;
  try {
    service = migrationService({ team, services: budgets.services }, migration);
  } catch (error) {
    // A service named but not declared: refused as this gate, so `midair gates` shows it.
    if (error instanceof MidairError) return refused(new MidairRefusal('budget', error.message, error.hint), { service: null });
    throw error;
  }
  if (!service) return passed({ service: null });
  const status = await serviceStatus(db, service.name, service.config, now);
  const firing = firingAlerts(status);
  const numbers = { service: service.name, budgetLeftPercent: status.budgetLeftPercent, minBudgetLeft: budgets.minBudgetLeft, fastBurn: status.fastBurn, alertsFiring: firing.length ? firing.join('; ') : null };
  const refuse = (message: string, hint: string) => refused(new MidairRefusal('budget', `${message}: the budget gate refuses ${what} of migration "${migration.name}" now (${now.toISOString()})`, hint, numbers), numbers);
  const slo = `\`midair slo --service ${service.name}\``;
  if (status.unknown !== null) {
    const check = status.hint ? `${status.hint}; ` : '';
    return refuse(status.unknown, `${check}make the SLI readable (${slo} says what fails), ${forceHint}`);
  }
  if (status.fastBurn) {
    return refuse(`a fast burn of service "${service.name}" fires (${firing.join('; ')})`, `find and stop what fails (${slo} shows the burn rates); the step may go once the alert stops, ${forceHint}`);
  }
  const least = status.objectives.reduce((a, b) => (b.budget.leftPercent < a.budget.leftPercent ? b : a));
  if (under(least.budget.leftPercent, budgets.minBudgetLeft)) {
    return refuse(
      `service "${service.name}" has ${least.budget.leftPercent.toFixed(1)}% of its ${least.kind} error budget left over ${status.window} (${least.budget.leftMinutes.toFixed(1)} of ${least.budget.budgetMinutes.toFixed(1)} minutes), under slo.minBudgetLeft ${budgets.minBudgetLeft}%`,
      `wait until old failures leave the ${status.window} window (${slo}), ${forceHint}`,
    );
  }
  return passed(numbers);
}

/**
 * The budget gate on a risky move: judgeBudget when `risky` says the move is one. Forceable: the
 * operator's --force --reason lets the step go on the record.
 */
export function budgetGate(what: string, risky: (input: GateInput) => boolean = () => true): Gate {
  return {
    name: 'budget',
    forceable: true,
    budgets: true,
    async check(input) {
      if (!risky(input)) return passed({ risky: false });
      return judgeBudget(input.db, input.asker, input.record.definition, what);
    },
  };
}

/** A ramp step up above team.risk.rampAbove (default 10), as the schedule guard judges it. */
export const budgetRampGate = budgetGate('this ramp step', ({ asker, percent, record }) => riskyRamp(asker.team, record.rampPercent, percent));
