import type { Command } from 'commander';
import { action } from '../action.js';
import { formatAck } from '../format/paging.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerAck(program: Command): void {
  addVerb(program, 'ack <migration>', "acknowledge a migration's open pages as the verified person acting: escalation to the next owner stops")
    .action(
      action(async ({ args, options }) => {
        const result = await withMidair('ack', options, (midair) => midair.ack(args[0]!));
        return { data: { ...result }, text: formatAck(result) };
      }),
    );
}
