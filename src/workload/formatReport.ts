import { formatCount, formatSeconds } from '../cli/format/duration.js';
import type { KillPropagation } from './killPropagation.js';
import type { RunReport } from './report.js';
import type { SideRequests } from './stats.js';

export interface ReportHeading {
  /** "midair demo", "midair rehearse 2026_split.ts". */
  title: string;
  /** Label and value lines shown first, e.g. ["database", "embedded (PGlite), 100,000 users"]. */
  lines: [string, string][];
}

const ms = (n: number) => `${n === 0 ? 0 : n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
const bare = (n: number) => (n < 10 ? n.toFixed(1) : String(Math.round(n)));
const quote = (v: string | null) => (v === null ? 'NULL' : JSON.stringify(v));
export const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

function verdict(r: RunReport): string {
  if (r.ok) return 'OK: no failed request, no lost write, no mismatch';
  const problems = [
    r.requests.failed > 0 ? plural(r.requests.failed, 'failed request') : '',
    r.writes.lost > 0 ? plural(r.writes.lost, 'lost write') : '',
    r.verification.mismatches > 0 ? `verify: ${plural(r.verification.mismatches, 'mismatch', 'mismatches')}` : '',
    r.compares.mismatches > 0 ? `compares: ${plural(r.compares.mismatches, 'mismatch', 'mismatches')}` : '',
    r.failure ? `${r.failure.stage} failed` : '',
  ].filter(Boolean);
  return `NOT OK: ${problems.join(', ')}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i <= 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd());
}

function killLine(kill: KillPropagation | null, instances: number): string {
  if (!kill) return 'not pulled (the run stopped before the step that pulls it)';
  if (kill.maxMs === null) return `did not reach every instance within 10 s (${kill.instances.map((i) => `${i.instanceId}: ${i.ms === null ? 'never' : ms(i.ms)}`).join(', ')})`;
  return `reached all ${plural(instances, 'instance')} in ${ms(kill.maxMs)} (from its commit until route() of ${kill.key} said old; per instance ${kill.instances.map((i) => bare(i.ms!)).join(', ')} ms)`;
}

const sideCells = (s: SideRequests) => [formatCount(s.requests), formatCount(s.failed), s.requests ? `${bare(s.p50Ms)}/${bare(s.p99Ms)}` : '-'];

/** The report for people: the verdict first, then the evidence, then what went wrong, if anything. */
export function formatReport(r: RunReport, heading: ReportHeading): string {
  const lockLine = r.locks.measured
    ? `longest lock wait of a client statement ${ms(r.locks.maxWaitMs)} (${plural(r.locks.waitsSeen, 'wait')} seen)`
    : 'not measured: the embedded database cannot show lock contention';
  const c = r.compares;
  const lines: [string, string][] = [
    ...heading.lines,
    ['traffic', `${plural(r.clients, 'client')} on ${plural(r.instances, 'instance')} of the Midair client, ${plural(r.requests.total, 'request')} (${formatCount(r.requests.perSecond)}/s), ${formatCount(r.requests.failed)} failed`],
    ['latency', `p50 ${ms(r.latency.p50Ms)}, p99 ${ms(r.latency.p99Ms)}, max ${ms(r.latency.maxMs)}`],
    ['compares', `${plural(c.total, 'read')} of both shapes compared, ${plural(c.mismatches, 'mismatch', 'mismatches')}${c.errors ? `, ${plural(c.errors, 'compare')} not made (a side failed)` : ''}`],
    ['kill switch', killLine(r.killSwitch, r.instances)],
    ['writes', r.writes.checked ? `${formatCount(r.writes.acknowledged)} acknowledged, ${formatCount(r.writes.lost)} lost (each checked in the final tables)` : `${formatCount(r.writes.acknowledged)} acknowledged, not checked (the migration did not complete)`],
    ['backfill', `${formatCount(r.backfill.rows)} rows in ${formatSeconds(r.backfill.seconds)} (${formatCount(r.backfill.rowsPerSecond)} rows/s)`],
    ['verification', `${formatCount(r.verification.rowsChecked)} rows checked, ${plural(r.verification.mismatches, 'mismatch', 'mismatches')}`],
    ['locks', lockLine],
  ];
  const width = Math.max(...lines.map(([label]) => label.length));
  const out = [`${heading.title}: ${verdict(r)} (${formatSeconds(r.seconds)})`, '', ...lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`), ''];
  out.push(
    ...table([
      ['stage', 'time', 'served by', 'old: requests', 'failed', 'p50/p99 ms', 'new: requests', 'failed', 'p50/p99 ms', 'lock wait'],
      ...r.stages.map((s) => [
        s.stage,
        formatSeconds(s.seconds),
        s.routing,
        ...sideCells(s.sides.old),
        ...sideCells(s.sides.new),
        r.locks.measured && s.requests ? ms(s.maxLockWaitMs) : '-',
      ]),
    ]),
  );
  if (r.failure) out.push('', `${r.failure.stage} failed: ${r.failure.message}`, r.failure.rolledBack ? 'the migration was rolled back' : 'nothing was rolled back');
  if (r.requests.failures.length) {
    out.push('', 'failed requests:');
    for (const f of r.requests.failures) out.push(`  ${f.count}x during ${f.stage} (${f.side} shape): ${f.message}`);
  }
  if (c.first.length) {
    out.push('', 'mismatches the client found (first ones):');
    for (const m of c.first) out.push(`  ${m.key} during ${m.stage} (instance ${m.instanceId})`);
  }
  if (r.writes.samples.length) {
    out.push('', 'lost writes (first ones):');
    for (const w of r.writes.samples) out.push(`  ${w.table} ${w.key}${w.field ? ` ${w.field}` : ''}: expected ${quote(w.expected)}, found ${quote(w.actual)} (written through the ${w.side} shape during ${w.stage})`);
  }
  if (r.verification.samples.length) {
    out.push('', 'verification mismatches (first ones):');
    for (const m of r.verification.samples) out.push(`  ${m.table} ${m.key} ${m.column} (${m.direction}): expected ${quote(m.expected)}, found ${quote(m.actual)}`);
  }
  if (r.notes.length) out.push('', ...r.notes.map((n) => `note: ${n}`));
  return out.join('\n');
}
