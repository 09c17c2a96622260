import type { Command } from 'commander';
import type { ApprovalsResult } from '../../people/approve.js';
import { action } from '../action.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

function formatApprovals(result: ApprovalsResult): string {
  const lines = [`migration "${result.migration}" (${result.stage}, definition ${result.checksum})`];
  for (const n of result.needed) {
    const from = n.from ? ` from ${n.from.join(', ')}` : '';
    const by = n.approvedBy.length ? `approved by ${n.approvedBy.join(', ')}` : 'no approval yet';
    lines.push(`  ${n.step}: needs ${n.count}${from}, by someone other than the one who runs it; ${by}`);
  }
  if (result.approvals.length) lines.push('given:');
  for (const a of result.approvals) {
    const state = a.expired ? `expired: ${a.expired}` : 'holds';
    lines.push(`  ${a.id}  ${a.step} by ${a.person} at ${a.givenAt}${a.comment ? ` ("${a.comment}")` : ''}: ${state}`);
  }
  return lines.join('\n');
}

export function registerApprovals(program: Command): void {
  addVerb(program, 'approvals <migration>', 'the steps of a migration that need approval, and every approval given, each saying whether it still holds')
    .action(
      action(async ({ args, options }) => {
        const result = await withMidair('approvals', options, (midair) => midair.approvals(args[0]!));
        return { data: { ...result }, text: formatApprovals(result) };
      }),
    );
}
