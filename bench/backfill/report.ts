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

/** What the application feels during Midair's backfill, unthrottled and with default throttles: the figures the gentleness target is about. */
function applicationSection(result: BenchResult): string[] {
  const methods = ['midair1', 'midairThrottled1'].map((key) => result.methods.find((r) => r.key === key)!);
  const rows = methods.map((m) => {
    const u = m.underLoad;
    return [
      m.key === 'midair1' ? 'Midair, 1 worker, unthrottled' : 'Midair, 1 worker, default throttles',
      num(u.rowsPerSecond),
      num(u.probeIdleP99Ms, 2),
      num(u.probeP99Ms, 2),
      num(u.probeP99VsIdle, 2),
      `${num(u.readP99Ms.idle, 2)} -> ${num(u.readP99Ms.during, 2)}`,
      `${num(u.writeP99Ms.idle, 2)} -> ${num(u.writeP99Ms.during, 2)}`,
    ];
  });
  return [
    'what the application feels: 4 clients, each a point read or (1 in 4) a committed single-row update every 5 ms; its p99 just before the backfill (idle) and during it',
    '',
    table(['backfill', 'rows/s', 'p99 idle ms', 'p99 during ms', 'p99 x idle', 'reads p99 ms', 'writes p99 ms'], rows),
    '',
    ...methods.flatMap((m) => m.notes.filter((n) => n.startsWith('under load')).map((n) => `${m.label}: ${n}`)),
    `the default throttles keep ${num(result.throttledKeeps * 100)}% of the unthrottled rate under the same load; p99 during / idle ${num(result.ratios.probeP99VsIdle!, 2)} (target <= ${TARGETS.probeP99VsIdle}: ${meets('probeP99VsIdle', result.ratios.probeP99VsIdle!) ? 'met' : 'MISSED'})`,
  ];
}

/** The human form: one line per method, then the ratios against their targets, then what the application feels. */
export function formatReport(result: BenchResult): string {
  const application = applicationSection(result);
  const w = result.writeOverhead;
  const a = result.methods.find((m) => m.key === 'singleUpdate');
  if (!w || !a) return [`backfill benchmark: ${num(result.rows)} rows, ${result.server}`, '', ...application].join('\n');
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
    num(result.ratios[k]!, 2),
    `${k === 'probeP99VsIdle' ? '<=' : '>='} ${TARGETS[k]}`,
    meets(k, result.ratios[k]!) ? 'met' : 'MISSED',
  ]);
  return [
    `backfill benchmark: ${num(result.rows)} rows, ${result.server}; alone: best of ${result.repeat} runs, loaded: under the probe workload`,
    '',
    table(['method', 'rows/s', 'vs A', 's', 'WAL B/row', 'size MB', 'rows/s loaded', 'p99 idle ms', 'p99 loaded ms', 'p99 x idle'], rows),
    '',
    ...result.methods.flatMap((m) => (m.notes.length ? [`${m.label}: ${m.notes.join('; ')}`] : [])),
    `single-row updates/s through the old shape: ${num(w.updatesPerSecondNoMigration)} with no migration, ${num(w.updatesPerSecondMigrationActive)} with the migration active (rows not yet backfilled), alternating runs`,
    '',
    table(['ratio', 'value', 'target', ''], ratios),
    '',
    ...application,
  ].join('\n');
}
