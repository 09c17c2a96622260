import type { Command } from 'commander';
import { MidairError } from '../../errors.js';
import type { Escalation } from '../../people/paging/index.js';
import { action } from '../action.js';
import { formatEscalations } from '../format/paging.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

/** Resolves after `ms`, or at once when the process is asked to stop. */
function pause(ms: number, stopping: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    stopping.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

export function registerPager(program: Command): void {
  addVerb(program, 'pager', 'page the next owner of every page nobody acknowledged in time (team.paging.escalateAfterMinutes); runs until stopped, or once with --once (for cron)')
    .option('--once', 'check once and exit')
    .option('--every <seconds>', 'seconds between checks when running until stopped', '60')
    .action(
      action(async ({ options, command }) => {
        const { once, every } = command.opts<{ once?: boolean; every: string }>();
        const seconds = Number(every);
        if (!(seconds > 0)) throw new MidairError(`--every ${every} is not a number of seconds above 0`, 'e.g. --every 60');
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
        try {
          const escalations = await withMidair('pager', options, async (midair) => {
            const all: Escalation[] = [];
            do {
              const found = await midair.escalate();
              all.push(...found);
              if (!once && found.length && !options.json) process.stdout.write(formatEscalations(found) + '\n');
              if (!once) await pause(seconds * 1000, stop.signal);
            } while (!once && !stop.signal.aborted);
            return all;
          });
          return { data: { escalations }, text: once ? formatEscalations(escalations) : '' };
        } finally {
          process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
        }
      }),
    );
}
