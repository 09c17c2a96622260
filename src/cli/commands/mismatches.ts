import type { Command } from 'commander';
import { MidairError } from '../../errors.js';
import { action } from '../action.js';
import { formatMismatches } from '../format/traffic.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerMismatches(program: Command): void {
  addVerb(program, 'mismatches <migration>', 'the compares the application clients reported, and the first mismatches they stored with key and both values')
    .option('--limit <n>', 'how many stored mismatches to show', '20')
    .action(
      action(async ({ args, options, command }) => {
        const { limit } = command.opts<{ limit: string }>();
        const n = /^\d+$/.test(limit) ? Number(limit) : Number.NaN;
        if (!(n >= 1)) throw new MidairError(`--limit ${limit}: not a whole number of 1 or more`, 'e.g. --limit 50');
        const result = await withMidair('mismatches', options, (midair) => midair.mismatches(args[0]!, { limit: n }));
        return { data: { ...result }, text: formatMismatches(result) };
      }),
    );
}
