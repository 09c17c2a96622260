import { formatCount, formatEta, formatSeconds } from '../cli/format/duration.js';
import type { BackfillProgress } from '../lifecycle/context.js';
import type { LiveView } from '../workload/liveView.js';
import type { RequestStats } from '../workload/stats.js';

const BAR_WIDTH = 24;

/** Requests per second over about the last second (or since the previous reading, if longer ago). */
class Rate {
  private readonly samples = [{ at: Date.now(), total: 0 }];

  constructor(private readonly stats: RequestStats) {}

  now(): number {
    const at = Date.now();
    this.samples.push({ at, total: this.stats.total });
    while (this.samples.length > 2 && at - this.samples[1]!.at >= 1000) this.samples.shift();
    const first = this.samples[0]!;
    return at > first.at ? ((this.stats.total - first.total) * 1000) / (at - first.at) : 0;
  }
}

function bar(p: BackfillProgress): string {
  const share = p.rowsTotal > 0 ? Math.min(1, p.rowsDone / p.rowsTotal) : 1;
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${Math.floor(share * 100)}%`;
}

function backfillText(p: BackfillProgress): string {
  return `${formatCount(p.rowsDone)}/${formatCount(p.rowsTotal)} rows, ${formatCount(p.rowsPerSecond)} rows/s, ETA ${formatEta(p.etaSeconds)}${p.throttle ? ` (slowed: ${p.throttle})` : ''}`;
}

/**
 * Live progress on stderr: on a terminal one status line redrawn in place (stage, backfill bar
 * with ETA, requests per second, failures so far) with notices printed above it; elsewhere plain
 * lines (each stage, notices, backfill at most once a second, traffic every two seconds) and no
 * step's progress.
 */
export function progressView(stats: RequestStats, stream: NodeJS.WriteStream = process.stderr): LiveView {
  const started = Date.now();
  // A reader that went away (a pipe into `head`) must not crash the run before it cleans up.
  stream.on('error', () => {});
  const rate = new Rate(stats);
  const tty = Boolean(stream.isTTY);
  let stage = 'setup';
  let detail = '';
  let backfill: BackfillProgress | null = null;
  let lastBackfillLine = 0;
  const clock = () => `[${formatSeconds((Date.now() - started) / 1000).padStart(6)}]`;
  const traffic = () => `${formatCount(rate.now())} req/s, ${formatCount(stats.failed)} failed so far`;
  const line = (text: string) => stream.write(`${tty ? '\r\x1b[K' : ''}${clock()} ${text}\n`);

  const status = () => {
    const what = stage === 'backfill' && backfill ? `backfill ${backfill.table} ${bar(backfill)} ETA ${formatEta(backfill.etaSeconds)}` : `${stage}${detail ? ` (${detail})` : ''}`;
    return `${clock()} ${what} | ${traffic()}`;
  };
  const redraw = () => {
    const text = status();
    stream.write(`\r\x1b[K${stream.columns ? text.slice(0, stream.columns - 1) : text}`);
  };
  let printedTotal = 0;
  const plainTraffic = () => {
    // Only while requests flow: before the first and after the last there is nothing to say.
    if (stats.total === printedTotal) return;
    printedTotal = stats.total;
    line(`${stage}: ${traffic()}`);
  };
  const timer = setInterval(() => (tty ? redraw() : plainTraffic()), tty ? 200 : 2000);
  timer.unref();

  return {
    stage(name, text) {
      stage = name;
      detail = text ?? '';
      backfill = null;
      line(`${name}${detail ? `: ${detail}` : ''}`);
      if (tty) redraw();
    },
    note(message) {
      line(message);
      if (tty) redraw();
    },
    progress(text) {
      detail = text;
      if (tty) redraw();
    },
    backfill(p) {
      if (p.waiting) return; // a throttle pause: the next batch says why it was slowed
      backfill = p;
      if (tty) return redraw();
      const now = Date.now();
      if (now - lastBackfillLine < 1000 && p.rowsDone < p.rowsTotal) return;
      lastBackfillLine = now;
      line(`backfill ${p.table}: ${backfillText(p)}`);
    },
    close() {
      clearInterval(timer);
      if (tty) stream.write('\r\x1b[K');
    },
  };
}
