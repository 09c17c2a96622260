import type { AdvanceResult } from '../../lifecycle/advance.js';
import type { CanaryListResult } from '../../lifecycle/canary.js';
import type { KillResult } from '../../lifecycle/kill.js';
import type { MismatchesResult } from '../../lifecycle/mismatches.js';
import type { RampResult } from '../../lifecycle/ramp.js';
import { describeRate, type Evidence } from '../../stages/evidence.js';
import type { MoveReport } from '../../stages/nextMoves.js';
import { NEXT_STEP, type Stage } from '../../stages/stage.js';
import type { Killed } from '../../state/store.js';
import { formatCount } from './duration.js';

export function describeKilled(k: Killed): string {
  return `${k.auto ? `guard "${k.auto}"` : k.by} at ${k.at}: ${k.reason}`;
}

export function formatAdvance(r: AdvanceResult, next: string | null): string {
  const out = [r.from === r.stage ? `resumed "${r.migration}" (${r.stage})` : `moved "${r.migration}" from ${r.from} to ${r.stage}`];
  if (r.stage === 'live') out.push(`ramp: ${r.rampPercent}% of records (and the canary sets) on the new shape`);
  if (r.released) out.push(`released the kill switch (${describeKilled(r.released)})`);
  if (next) out.push(`next: ${next}`);
  return out.join('\n');
}

export function formatRamp(r: RampResult): string {
  if (!r.changed) return `"${r.migration}" is at ${r.rampPercent}% already; nothing changed`;
  return `ramped "${r.migration}" from ${r.fromPercent}% to ${r.rampPercent}%`;
}

export function formatKill(r: KillResult): string {
  if (r.alreadyKilled) return `the kill switch of "${r.migration}" holds already (${describeKilled(r.killed)}); nothing changed`;
  return [
    `killed "${r.migration}" (${r.stage}, was at ${r.fromPercent}%): every record goes to the old shape`,
    `resume with \`midair advance ${r.migration} ${r.stage}${r.stage === 'live' ? ' [--percent <percent>]' : ''}\``,
  ].join('\n');
}

export function formatCanaryList(r: CanaryListResult): string {
  const sets = Object.entries(r.sets);
  if (sets.length === 0) return `"${r.migration}" has no canary sets`;
  return sets.map(([name, keys]) => `${name} (${formatCount(keys.length)}):${keys.length ? '\n' + keys.map((k) => `  ${k}`).join('\n') : ' empty'}`).join('\n');
}

function show(value: number | string | boolean | null): string {
  if (value === null) return '-';
  if (typeof value === 'number' && !Number.isInteger(value)) return value.toFixed(4).replace(/0+$/, '');
  return String(value);
}

export function formatGates(r: { migration: string; stage: Stage; rampPercent: number; killed: Killed | null; moves: MoveReport[] }): string {
  const out = [`"${r.migration}" is ${r.stage}${r.stage === 'live' ? ` at ${r.rampPercent}%` : ''}${r.killed ? `; kill switch holds (${describeKilled(r.killed)})` : ''}`];
  if (r.moves.length === 0) out.push(`no gated move from ${r.stage}: ${NEXT_STEP[r.stage].replaceAll('<migration>', r.migration)}`);
  for (const m of r.moves) {
    out.push(`${m.open ? 'open' : 'closed'}: ${m.command}`);
    if (m.note) out.push(`  note: ${m.note}`);
    for (const g of m.gates) {
      const numbers = Object.entries(g.numbers).map(([k, v]) => `${k}=${show(v)}`).join(' ');
      out.push(`  ${g.passed ? 'pass' : 'FAIL'}  ${g.name}${g.forceable ? '' : ' (not forceable)'}${numbers ? `  [${numbers}]` : ''}`);
      if (g.message) out.push(`        ${g.message.replaceAll('\n', '\n        ')}`);
    }
  }
  return out.join('\n');
}

export function formatMismatches(r: MismatchesResult): string {
  const c = r.compares;
  const out = [`"${r.migration}" (${r.stage}): ${formatCount(c.compares)} compares, ${formatCount(c.mismatches)} mismatches (${describeRate(c.mismatchRate)}), ${formatCount(c.errors)} compare errors; A/A: ${formatCount(r.aa.compares)} compares, ${formatCount(r.aa.mismatches)} mismatches`];
  if (r.mismatches.length === 0) out.push('no mismatch stored');
  else out.push(`first ${r.mismatches.length} of ${formatCount(r.stored)} stored:`);
  for (const m of r.mismatches) {
    out.push(`  ${m.at} ${m.stage} key ${JSON.stringify(m.key)}${m.aa ? ' (A/A)' : ''} from ${m.instance}`, `    old: ${JSON.stringify(m.old)}`, `    new: ${JSON.stringify(m.new)}`);
  }
  return out.join('\n');
}

/** One line per side of a window's evidence, for status. */
export function formatWindow(e: Evidence): string[] {
  const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)}ms`);
  const side = (name: string, s: Evidence['old']) => `    ${name}: ${formatCount(s.calls)} calls, errors ${describeRate(s.errorRate)}, p50 ${ms(s.p50)}, p99 ${ms(s.p99)}`;
  return [
    `  last ${e.windowSeconds}s${e.stage ? ` in ${e.stage}` : ''}: ${formatCount(e.compares.compares)} compares, mismatch rate ${describeRate(e.compares.mismatchRate)}${e.aa.compares ? `; A/A ${describeRate(e.aa.mismatchRate)} of ${formatCount(e.aa.compares)}` : ''}; ${e.instances} instance(s) reporting`,
    side('old', e.old),
    side('new', e.new),
  ];
}
