import type { BudgetEnforcement } from '../../slo/budgetGuard.js';
import type { DeclaredDowntime } from '../../slo/declareDowntime.js';
import type { BreachMinute, DowntimeLog } from '../../slo/downtime.js';
import type { SloReport } from '../../slo/sloReport.js';
import type { ObjectiveStatus, ServiceStatus } from '../../slo/status.js';

const minutes = (n: number) => `${n.toFixed(1)} min`;
/** A count of minutes, '-' when unknown. */
const count = (n: number | null) => (n === null ? '-' : `${n} min`);
const percent = (n: number | null, digits = 1) => (n === null ? '-' : `${n.toFixed(digits)}%`);
const rate = (n: number | null) => (n === null ? '-' : n.toFixed(2));

/** Rows of cells, each column padded to its widest cell. */
function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

function formatObjective(o: ObjectiveStatus): string[] {
  const what = o.kind === 'availability' ? `availability ${o.objective}%` : `latency ${o.objective}% under ${o.underMs} ms`;
  const sli = `SLI ${percent(o.sli, 3)} of ${o.events.total} requests`;
  const b = o.budget;
  const firing = o.alerts.filter((a) => a.firing).map((a) => `${a.name}, above ${a.factor.toFixed(1)}x`);
  return [
    `  ${what}: ${sli}`,
    `    budget ${minutes(b.budgetMinutes)}: used ${minutes(b.usedMinutes)} (${percent(b.usedPercent)}), left ${minutes(b.leftMinutes)} (${percent(b.leftPercent)})`,
    `    burn rates: ${Object.entries(o.burnRates).map(([w, r]) => `${w} ${rate(r)}`).join(', ')}`,
    `    alerts firing: ${firing.length ? firing.join('; ') : 'none'}`,
  ];
}

/** `midair slo`: each service's objectives, budget, burn rates and alerts firing. */
export function formatSlo(statuses: ServiceStatus[]): string {
  return statuses
    .flatMap((s) => [
      `${s.service} (${s.source} SLI, window ${s.window}, at ${s.at})`,
      ...s.objectives.flatMap(formatObjective),
      ...(s.unknown ? [`  SLI unknown: ${s.unknown}`, ...(s.hint ? [`  hint: ${s.hint}`] : [])] : []),
    ])
    .join('\n');
}

/** What `midair slo --enforce` did: the budget guard's actions, or that it had nothing to do. */
export function formatEnforced(enforced: BudgetEnforcement[]): string {
  const acted = enforced.filter((e) => e.paused || e.pulled);
  if (acted.length === 0) return 'budget guard: nothing to do (no fast burn, or already paused and pulled back)';
  return acted
    .map((e) => `budget guard: ${[e.pulled && 'pulled the kill switch of', e.paused && 'paused the backfill of'].filter(Boolean).join(' and ')} migration "${e.migration}": ${e.reason}`)
    .join('\n');
}

/** `midair slo report`: a table per service, one row per ISO week. */
export function formatSloReport(r: SloReport): string {
  const lines: string[] = [];
  for (const s of r.services) {
    lines.push(`${s.service}: availability ${s.objective}% over ${s.window} (budget ${minutes(s.windowBudgetMinutes)})${s.unknown ? `; SLI unknown: ${s.unknown}` : ''}`);
    const rows = [['week', 'availability', 'budget used', 'planned', 'unplanned', 'migrations']];
    for (const w of s.weeks) {
      const migrations = w.migrations.map((m) => `${m.name} (${m.stage})`).join(', ') || '-';
      const used = w.budgetUsedMinutes === null ? '-' : `${minutes(w.budgetUsedMinutes)} (${percent(w.budgetUsedPercent)})`;
      rows.push([`${w.week}${w.partial ? '*' : ''}`, percent(w.availability, 3), used, count(w.plannedMinutes), count(w.unplannedMinutes), migrations]);
    }
    lines.push(...columns(rows).map((l) => `  ${l}`));
  }
  lines.push(`* the current week, partial: measured up to ${r.at}`);
  return lines.join('\n');
}

export function formatDeclared(d: DeclaredDowntime): string {
  const what = d.kind === 'planned' ? 'planned downtime' : 'incident';
  return `${what} #${d.id} of ${d.service} declared by ${d.declaredBy}: ${d.from} to ${d.to} (${d.reason})`;
}

/** Consecutive breach minutes alike (planned or not, same causes) as one stretch: an hour's outage is one line, not sixty. */
function stretches(minutes: BreachMinute[]): string[] {
  const lines: { first: string; end: number; count: number; label: string }[] = [];
  for (const m of minutes) {
    const start = Date.parse(m.minute);
    const label = `${m.planned ? 'planned' : 'unplanned'} (${m.why.join(', ')})`;
    const last = lines.at(-1);
    if (last && last.end === start && last.label === label) {
      last.end += 60_000;
      last.count += 1;
    } else lines.push({ first: m.minute, end: start + 60_000, count: 1, label });
  }
  return lines.map((l) => `  ${l.first} to ${new Date(l.end).toISOString()}: ${l.count} min ${l.label}`);
}

/** `midair downtime list`: the declared windows, then each service's breach minutes in stretches. */
export function formatDowntimeLog(log: DowntimeLog): string {
  const lines = [`from ${log.from} to ${log.to}`, 'declared:'];
  if (!log.windows.length) lines.push('  none');
  // When declared matters: a planned window counts only from then.
  for (const w of log.windows) lines.push(`  #${w.id} ${w.service} ${w.kind}: ${w.from} to ${w.to} (${w.reason}; by ${w.declaredBy} at ${w.declaredAt})`);
  for (const s of log.services) {
    lines.push(`${s.service}: ${s.plannedMinutes} planned, ${s.unplannedMinutes} unplanned breach minutes${s.unknown ? ` (SLI unknown: ${s.unknown}; only declared incidents count)` : ''}`);
    lines.push(...stretches(s.minutes));
  }
  return lines.join('\n');
}
