import { TARGETS, meets, type BenchResult, type Targets } from './results.js';

const mb = (bytes: number | null) => (bytes === null ? '-' : (bytes / 1024 / 1024).toFixed(0));
const num = (n: number | null, digits = 0) => (n === null ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const RATIO_LABELS: Record<keyof Targets, string> = {
  vsSingleUpdate: 'Midair 1 worker / A (one UPDATE)',
  vsRowLockBatches: 'Midair 1 worker / B (row-lock batches)',
  probeP99VsIdle: 'probe p99 during throttled Midair / idle',
  writeOverhead: 'single-row updates/s, migration active / none',
};

/** The human form: one line per method, then the ratios against their targets. */
export function formatReport(result: BenchResult): string {
  const a = result.methods.find((m) => m.key === 'singleUpdate')!;
  const rows = result.methods.map((m) => [
    m.label,
    num(m.rowsPerSecond),
    m.rowsPerSecond === null ? '-' : num(m.rowsPerSecond / a.rowsPerSecond!, 2),
    num(m.seconds, 1),
    num(m.walBytesPerRow),
    m.sizeBeforeBytes === null ? '-' : `${mb(m.sizeBeforeBytes)} -> ${mb(m.sizeAfterBytes)}`,
    num(m.underLoad.rowsPerSecond),
    num(m.underLoad.probeIdleP99Ms, 2),
    num(m.underLoad.probeP99Ms, 2),
    num(m.underLoad.probeP99VsIdle, 2),
  ]);
  const ratios = (Object.keys(TARGETS) as (keyof Targets)[]).map((k) => [
    RATIO_LABELS[k],
    num(result.ratios[k], 2),
    `${k === 'probeP99VsIdle' ? '<=' : '>='} ${TARGETS[k]}`,
    meets(k, result.ratios[k]) ? 'met' : 'MISSED',
  ]);
  const w = result.writeOverhead;
  return [
    `backfill benchmark: ${num(result.rows)} rows, ${result.server}; alone: best of ${result.repeat} runs, loaded: under the probe workload`,
    '',
    table(['method', 'rows/s', 'vs A', 's', 'WAL B/row', 'size MB', 'rows/s loaded', 'p99 idle ms', 'p99 loaded ms', 'p99 x idle'], rows),
    '',
    ...result.methods.flatMap((m) => (m.notes.length ? [`${m.label}: ${m.notes.join('; ')}`] : [])),
    `Midair with default throttles under load keeps ${num(result.throttledKeeps * 100)}% of its unthrottled rate alone`,
    `single-row updates/s through the old shape: ${num(w.updatesPerSecondNoMigration)} with no migration, ${num(w.updatesPerSecondMigrationActive)} with the migration active (rows not yet backfilled), alternating runs`,
    '',
    table(['ratio', 'value', 'target', ''], ratios),
  ].join('\n');
}
