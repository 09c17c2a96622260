import type { Command } from 'commander';
import { action } from '../action.js';
import { formatPageTest } from '../format/paging.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

export function registerPageTest(program: Command): void {
  addVerb(program, 'page-test', 'send a test notification through every channel of team.paging (backups too) and report each result; exits 1 if one failed')
    .action(
      action(async ({ options }) => {
        const channels = await withMidair('page-test', options, (midair) => midair.pageTest());
        const failed = channels.filter((c) => c.deliveredBy !== c.channel).map((c) => c.channel);
        return { data: { channels, failed }, text: formatPageTest(channels), exitCode: failed.length ? 1 : 0 };
      }),
    );
}
