import type { Command } from 'commander';
import type { ThrottleOptions } from '../../backfill/throttle.js';
import { MidairError } from '../../errors.js';
import { action } from '../action.js';
import { formatCount, formatSeconds } from '../format/duration.js';
import { numberFlag } from '../numberFlag.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

interface BackfillFlags {
  workers?: string;
  maxRowsPerSecond?: string;
  maxLagMs?: string;
  probe?: string | false;
  maxProbeRatio?: string;
}

const number = (flag: string, value: string, min: number, max: number, integer: boolean) => numberFlag('backfill', flag, value, min, max, integer);

/** Only the throttles the user named; the rest keep their defaults (docs/backfill.md). */
function throttleOf(flags: BackfillFlags): Partial<ThrottleOptions> {
  const throttle: Partial<ThrottleOptions> = {};
  if (flags.maxRowsPerSecond !== undefined) throttle.maxRowsPerSecond = number('--max-rows-per-second', flags.maxRowsPerSecond, 0, 1e9, true);
  if (flags.maxLagMs !== undefined) throttle.maxReplicationLagMs = number('--max-lag-ms', flags.maxLagMs, 0, 86_400_000, true);
  if (flags.maxProbeRatio !== undefined) throttle.maxProbeRatio = number('--max-probe-ratio', flags.maxProbeRatio, 1, 1000, false);
  if (flags.probe === false) Object.assign(throttle, { probeSql: null, commitProbe: false });
  else if (flags.probe !== undefined) throttle.probeSql = flags.probe;
  return throttle;
}

export function registerBackfill(program: Command): void {
  addVerb(program, 'backfill [migration-or-control] [migration]', 'bring existing rows of a migration (default: the only active one) to the new shape in batches; resumes from its checkpoint after a crash; `backfill pause [migration]` / `backfill resume [migration]` act on every running worker')
    .option('--workers <n>', 'parallel workers in this process (other processes may join)', '1')
    .option('--max-rows-per-second <n>', 'cap on rows per second in this process (0: none)')
    .option('--max-lag-ms <ms>', 'wait while a standby replays further behind than this (default 5000; 0: off)')
    .option('--probe <sql>', 'a cheap read of your application, timed between batches (default: a one-row read of the table)')
    .option('--no-probe', 'turn the latency probes (read and commit) off: full pace')
    .option('--max-probe-ratio <x>', 'slow down while a probe takes more than x times its idle time (default 1.5)')
    .action(
      action(async ({ args, options, command }) => {
        const control = args[0] === 'pause' || args[0] === 'resume' ? args[0] : undefined;
        const migration = control ? args[1] : args[0];
        if (control === undefined && args[1] !== undefined) throw new MidairError(`backfill ${args.join(' ')}: unknown; use \`midair backfill [migration]\`, \`midair backfill pause [migration]\` or \`midair backfill resume [migration]\``);
        if (control !== undefined) {
          await withMidair(`backfill ${control}`, options, (midair) => midair.setBackfillPaused(control === 'pause', migration));
          const text = control === 'pause' ? 'backfill paused: workers stop after their current range (`midair backfill resume` to go on)' : 'backfill resumed';
          return { data: { paused: control === 'pause' }, text };
        }
        const flags = command.opts<BackfillFlags>();
        const workers = number('--workers', flags.workers ?? '1', 1, 64, true);
        const result = await withMidair('backfill', options, (midair) => midair.backfill({ workers, throttle: throttleOf(flags), ...(migration ? { migration } : {}) }));
        const tables = result.tables.map((t) => `  ${t.table}: ${formatCount(t.rows)} rows in ${formatSeconds(t.seconds)}`);
        const text = [
          `backfilled "${result.migration}": ${formatCount(result.rows)} rows in ${formatSeconds(result.seconds)} (${formatCount(result.rowsPerSecond)} rows/s, ${result.workers} worker${result.workers > 1 ? 's' : ''})`,
          ...tables,
          `next: \`midair verify ${result.migration}\``,
        ].join('\n');
        return { data: { ...result }, text };
      }),
    );
}
