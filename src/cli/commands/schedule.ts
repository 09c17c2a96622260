import type { Command } from 'commander';
import { scheduleDays } from '../../people/schedule/scheduleDays.js';
import type { ScheduleReport } from '../../people/schedule/scheduleReport.js';
import { action } from '../action.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

function formatSchedule(r: ScheduleReport): string {
  const lines = [
    `migration "${r.migration}" needs ${r.needed.join(', ')} at work and no freeze for a risky step`,
    r.allowedNow ? 'now: allowed' : `now: refused: ${r.holdsNow.join('; ')}`,
    `windows in the next ${r.days} days (${r.order}${r.order === 'chronological' ? ': no traffic measured yet' : ', by measured calls per hour'}):`,
  ];
  if (!r.windows.length) lines.push('  none');
  for (const w of r.windows) {
    const traffic = w.callsPerHour === null ? '' : `, ${w.callsPerHour} calls/hour`;
    lines.push(`  ${w.start} to ${w.end} (${w.minutes} min${traffic})`);
    for (const [id, local] of Object.entries(w.local)) lines.push(`    ${id}: ${local.start} to ${local.end.split(' ')[1]}`);
  }
  return lines.join('\n');
}

export function registerSchedule(program: Command): void {
  addVerb(program, 'schedule <migration>', "the next windows in which the migration's primary, secondary and rollback authority are at work and nothing freezes (quietest first when traffic was measured)")
    .option('--days <n>', 'how far ahead to look (default 14)')
    .action(
      action(async ({ args, options, command }) => {
        const days = scheduleDays(command.opts<{ days?: string }>().days);
        const result = await withMidair('schedule', options, (midair) => midair.schedule(args[0]!, { days }));
        return { data: { ...result }, text: formatSchedule(result) };
      }),
    );
}
