import type { Command } from 'commander';
import type { TeamReport } from '../../people/teamReport.js';
import { action } from '../action.js';
import { resolveSettings } from '../session.js';
import { addVerb } from '../verb.js';

function formatTeam(r: TeamReport): string {
  const lines: string[] = [];
  for (const p of r.people) {
    const contacts = p.contacts.map((c) => Object.entries(c)[0]!.join(' ')).join(', ');
    lines.push(`${p.id} (${p.name}): ${p.localTime} ${p.timezone}${p.region ? `, holidays of ${p.region}` : ''}`);
    lines.push(`  ${p.availableNow ? `available now, until ${p.until}` : `not available now: ${p.why.join('; ')}; back ${p.until ?? 'not within a year'}`}`);
    lines.push(`  next day off: ${p.nextDayOff ? `${p.nextDayOff.date} (${p.nextDayOff.reasons.join('; ')})` : 'none within a year'}`);
    lines.push(`  contacts: ${contacts}${p.roles.length ? `; roles: ${p.roles.join(', ')}` : ''}`);
  }
  if (r.tools.length) lines.push('tools:');
  for (const t of r.tools) lines.push(`  ${t.name}: ${t.primary} (backup: ${t.backup})${t.description ? ` ${t.description}` : ''}`);
  return lines.join('\n');
}

export function registerTeam(program: Command): void {
  addVerb(program, 'team', 'the people of the team: local time, available now or not (and why), next day off, contacts; the tools with their backups')
    .action(
      action(async ({ options }) => {
        // The library before the config file (see session.ts).
        const [{ createMidair }, { connectOnFirstUse }, { connect }] = await Promise.all([import('../../midair.js'), import('../../db/connectOnFirstUse.js'), import('../../db/connect.js')]);
        const settings = await resolveSettings(options);
        // The config alone: team() runs no query, so the connection, opened on first use, is never opened.
        const { database, embeddedDir } = settings;
        const db = connectOnFirstUse(database ? 'postgres' : 'embedded', database ? 'the database' : embeddedDir, () => connect({ database, embeddedDir, applicationName: 'midair team' }));
        const midair = await createMidair({ resolved: settings, executor: db });
        try {
          const result = midair.team();
          return { data: { ...result }, text: formatTeam(result) };
        } finally {
          await midair.close();
        }
      }),
    );
}
