import type { BackfillEstimate, PlanEstimate, StepEstimate } from '../../estimate/estimate.js';
import { formatCount, formatSeconds } from './duration.js';

/** 1234567 -> "1.2 MB" (powers of 1024, as PostgreSQL's pg_size_pretty). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(n)} bytes` : `${n < 10 ? n.toFixed(1) : Math.round(n)} ${units[unit]}`;
}

function about(seconds: number): string {
  return seconds < 0.05 ? 'under 0.1s' : `~${formatSeconds(seconds)}`;
}

const ROWS_FROM = { statistics: 'from the statistics', count: 'counted', unknown: 'unknown' } as const;

function formatBackfill(b: BackfillEstimate): string[] {
  const rows = b.rows === null ? 'rows unknown' : `${formatCount(b.rows)} rows (${ROWS_FROM[b.rowsFrom]})`;
  const out = [`  backfill "${b.table}": ${rows}, table and indexes ${formatBytes(b.tableBytes)}`];
  out.push(`    time    ${b.seconds === null ? 'unknown (not sampled)' : `${about(b.seconds)} at the configured batch size, on an idle server (the throttle slows it under load)`}`);
  if (b.walBytes) {
    const images = b.walBytes.pageImages > 0 ? `, + about ${formatBytes(b.walBytes.pageImages)} of full-page images (each page's first change after a checkpoint writes it whole)` : '';
    out.push(`    WAL     ~${formatBytes(b.walBytes.rows)} of row changes${images}`);
  }
  if (b.growth) {
    const hot = b.growth.samePageShare > 0 ? `; ${Math.round(b.growth.samePageShare * 100)}% of rows fit on their own page (no new index entries)` : '';
    out.push(
      `    growth  +${formatBytes(b.growth.heapBytes)} (${formatCount(b.growth.heapPages)} pages) of new row versions, indexes up to +${formatBytes(b.growth.indexBytesUpTo)}${hot}; after vacuum the old versions' space is reused, the files do not shrink`,
    );
  }
  return out;
}

/** How long a step holds its lock, for the line under its SQL. */
export function formatHeld(step: StepEstimate, transaction: boolean): string | null {
  if (step.lock.startsWith('none')) return null;
  if (step.held === 'unknown') return 'held: unknown (raw SQL)';
  if (step.held === 'brief') return transaction ? 'held: until the transaction commits (milliseconds)' : 'held: milliseconds';
  const rows = step.rows === null ? 'a table of unknown size' : `${formatCount(step.rows)} rows`;
  return `held: ${step.seconds === null ? 'grows with the table' : about(step.seconds)} (scans ${rows})`;
}

export function formatEstimate(estimate: PlanEstimate): string[] {
  const how = estimate.sampled
    ? "from table statistics and a sample of this server's speed (a few backfill batches on a copy of the first rows, rolled back; --no-sample for statistics only)"
    : 'from table statistics only (not sampled: times unknown)';
  const out = [`estimate, ${how}:`];
  if (estimate.backfills.length === 0) out.push('  no backfill: no existing row gets new values');
  for (const b of estimate.backfills) out.push(...formatBackfill(b));
  out.push(...estimate.notes.map((n) => `  note: ${n}`));
  return out;
}
