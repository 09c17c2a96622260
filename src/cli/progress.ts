import cliProgress from 'cli-progress';
import type { BackfillProgress } from '../lifecycle/context.js';
import { formatCount, formatEta } from './format/duration.js';

/** Shows backfill progress; `pause` clears the way for a message line. */
export interface ProgressView {
  update(p: BackfillProgress): void;
  pause(): void;
}

const isWait = (p: BackfillProgress) => p.waiting;

function percent(p: BackfillProgress): string {
  return p.rowsTotal > 0 ? `${Math.floor((100 * p.rowsDone) / p.rowsTotal)}%` : '100%';
}

function note(p: BackfillProgress): string {
  if (isWait(p)) return `waiting: ${p.throttle ?? 'other workers hold the remaining ranges'}`;
  return [p.workers > 1 ? `${p.workers} workers` : '', p.throttle ? `throttled: ${p.throttle}` : ''].filter(Boolean).join(', ');
}

/** One bar per table, redrawn in place on a terminal. */
function barView(): ProgressView {
  let bar: cliProgress.SingleBar | null = null;
  let table = '';
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  return {
    update(p) {
      if (bar && table === p.table && isWait(p)) return bar.update({ note: note(p) });
      if (isWait(p)) return;
      const payload = { table: p.table, rate: formatCount(p.rowsPerSecond), etaText: formatEta(p.etaSeconds), done: formatCount(p.rowsDone), all: formatCount(p.rowsTotal), note: note(p) };
      if (!bar || table !== p.table) {
        stop();
        table = p.table;
        bar = new cliProgress.SingleBar(
          { format: '{table} [{bar}] {percentage}% | {done}/{all} rows | {rate} rows/s | ETA {etaText} {note}', stream: process.stderr, hideCursor: false },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.rowsTotal, p.rowsDone, payload);
        return;
      }
      bar.setTotal(p.rowsTotal);
      bar.update(p.rowsDone, payload);
      if (p.rowsDone >= p.rowsTotal) stop();
    },
    pause: stop,
  };
}

/**
 * Writes at most one line per interval, but always a table's last one (so a log ends complete) and
 * every change of what holds the backfill back (so no throttle or pause goes unreported).
 */
function lineWriter(intervalMs: number, line: (p: BackfillProgress) => string): ProgressView {
  let last = 0;
  let lastNote = '';
  return {
    update(p) {
      const now = Date.now();
      const final = !isWait(p) && p.rowsDone >= p.rowsTotal;
      // What holds the backfill back, without its figures: a pace that moves every batch is one state.
      const state = note(p).replace(/\s*\(.*?\)/g, '').replace(/[\d.]+/g, '#');
      if (!final && state === lastNote && now - last < intervalMs) return;
      last = now;
      lastNote = state;
      process.stderr.write(line(p) + '\n');
    },
    pause() {},
  };
}

/** One line a second, for logs and pipes. */
function lineView(): ProgressView {
  return lineWriter(1000, (p) => {
    const counts = isWait(p) ? '' : `${formatCount(p.rowsDone)}/${formatCount(p.rowsTotal)} rows (${percent(p)}), ${formatCount(p.rowsPerSecond)} rows/s, ETA ${formatEta(p.etaSeconds)}`;
    return `backfill ${p.table}: ${[counts, note(p)].filter(Boolean).join(', ')}`;
  });
}

/** JSON lines for --json, at most five a second. */
function jsonView(): ProgressView {
  return lineWriter(200, (p) =>
    JSON.stringify(isWait(p) ? { event: 'wait', table: p.table, reason: p.throttle } : { event: 'progress', ...p, rowsPerSecond: Math.round(p.rowsPerSecond) }),
  );
}

export function progressView(json: boolean): ProgressView {
  if (json) return jsonView();
  return process.stderr.isTTY ? barView() : lineView();
}
