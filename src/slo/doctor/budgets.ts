import { serviceStatus } from '../status.js';
import type { DoctorCheck, Finding } from './finding.js';

const percent = (n: number) => `${n.toFixed(1)}%`;

/**
 * Blocking, per service: the budget gate refuses risky steps (large start, live, ramp steps,
 * complete) while the budget left is under slo.minBudgetLeft, a fast burn fires, or the SLI cannot
 * be read; until then no risky step of that service's migrations can run.
 */
export const budgets: DoctorCheck = {
  name: 'budgets',
  async run({ db, settings, now, controlSchemaUnreadable }) {
    const services = Object.entries(settings.services);
    if (services.length === 0) return { skipped: 'no services in the config: no budgets to judge' };
    const unreadable = await controlSchemaUnreadable();
    if (unreadable) return { skipped: unreadable };
    const findings: Finding[] = [];
    const min = settings.slo.minBudgetLeft;
    for (const [name, config] of services) {
      const status = await serviceStatus(db, name, config, now);
      const found = (title: string, evidence: string[], fix: string) => findings.push({ check: 'budgets', severity: 'blocking', title, evidence, fix });
      if (status.unknown !== null) {
        found(`service ${name}: SLI unknown`, [status.unknown, `source: ${status.source}`], `make the SLI readable (docs/slo.md); until then risky steps of ${name}'s migrations are refused unless overridden`);
        continue;
      }
      const left = status.budgetLeftPercent!;
      const objectives = status.objectives.map((o) => `${o.kind} ${o.objective}% over ${status.window}: SLI ${o.sli === null ? 'no events' : percent(o.sli)}, budget left ${percent(o.budget.leftPercent)} (${o.budget.leftMinutes.toFixed(1)} of ${o.budget.budgetMinutes.toFixed(1)} min)`);
      if (left < min) {
        found(`service ${name}: ${percent(left)} of its error budget left, under slo.minBudgetLeft (${min}%)`, objectives,
          `wait until the window ages out the bad minutes, or fix what spends the budget; risky steps of ${name}'s migrations are refused until then`);
      }
      if (status.fastBurn) {
        const firing = status.objectives.flatMap((o) => o.alerts.filter((a) => a.firing).map((a) => `${o.kind}: ${a.name} firing, burn rates ${Object.entries(o.burnRates).map(([w, r]) => `${w} ${r === null ? '-' : r.toFixed(1)}`).join(', ')} (factor ${a.factor.toFixed(1)})`));
        found(`service ${name}: fast burn`, firing, `find and stop what fails now (\`midair slo --service ${name}\`); risky steps are refused and running migrations of ${name} are pulled back while it fires`);
      }
    }
    return findings;
  },
};
