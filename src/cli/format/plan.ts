import type { PlanEstimate } from '../../estimate/estimate.js';
import { PHASES, filledColumns, type Plan, type Step } from '../../migration/plan.js';
import { formatEstimate, formatHeld } from './estimate.js';
import { searchPathOf } from '../../migration/versionSchema.js';

function formatStep(step: Step, n: number, held: string | null): string {
  const [first = '', ...rest] = step.sql.trim().split('\n');
  const sql = [`  ${n}. ${first}`, ...rest.map((l) => `     ${l}`)].join('\n');
  return `${sql}\n     lock: ${step.lock}${held ? `; ${held}` : ''}`;
}

export function formatPlan(plan: Plan, estimate?: PlanEstimate): string {
  const out = [`plan for "${plan.migration}" on schema "${plan.schema}"; new-release clients use search_path "${searchPathOf([plan.versionSchema], plan.schema)}"`];
  for (const sync of plan.sync) {
    const up = filledColumns(sync).map((a) => a.column);
    const down = sync.down.map((a) => a.column);
    out.push(`sync "${sync.table}" (key ${sync.key.join(', ')}): old-release writes set ${up.join(', ') || 'nothing'}; new-release writes set ${down.join(', ') || 'nothing'}`);
  }
  for (const phase of PHASES) {
    const steps = plan[phase.key];
    if (steps.length === 0) continue;
    const held = (i: number) => {
      const step = estimate?.steps.find((e) => e.phase === phase.key && e.step === i + 1);
      return step ? formatHeld(step, phase.transaction) : null;
    };
    out.push('', `${phase.title}:`, ...steps.map((s, i) => formatStep(s, i + 1, held(i))));
  }
  if (estimate) out.push('', ...formatEstimate(estimate));
  if (plan.warnings.length) out.push('', 'warnings:', ...plan.warnings.map((w) => `  - ${w}`));
  out.push('', 'nothing was run; `midair start` applies the first phases.');
  return out.join('\n');
}
