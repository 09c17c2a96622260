import { basename } from 'node:path';
import { listMigrationFiles, loadMigrationFile } from '../../migration/load.js';
import { readRehearsals } from '../../rehearse/record.js';
import { ENDED_STAGES } from '../../stages/stage.js';
import { latestByName } from '../../state/store.js';
import type { DoctorCheck, Finding } from './finding.js';

/**
 * Warning, per migration file not yet complete: without a secondary owner (with a team) nobody can
 * take over when the primary is away mid-migration; without a rehearsal of its current definition
 * nobody knows how long its steps take or what users would see. Also names team.migrations entries
 * that no migration file has: they configure nothing.
 */
export const migrationReadiness: DoctorCheck = {
  name: 'migrations',
  async run({ db, settings, controlSchemaUnreadable }) {
    const unreadable = await controlSchemaUnreadable();
    if (unreadable) return { skipped: unreadable };
    const findings: Finding[] = [];
    const found = (title: string, evidence: string[], fix: string) => findings.push({ check: 'migrations', severity: 'warning', title, evidence, fix });
    const team = settings.team;
    const names: string[] = [];
    for (const file of listMigrationFiles(settings.migrationsDir)) {
      const loaded = await loadMigrationFile(file).catch((error: Error) => error);
      if (loaded instanceof Error) {
        found(`migration file ${basename(file)} does not load`, [loaded.message], `fix it: \`midair plan ${basename(file)}\` says why`);
        continue;
      }
      const { migration, checksum } = loaded;
      names.push(migration.name);
      const record = await latestByName(db, migration.name);
      if (record?.stage === 'complete') continue;
      const where = `${basename(file)} (migration "${migration.name}"${record && !ENDED_STAGES.includes(record.stage) ? `, ${record.stage}` : ''})`;
      if (team && !(team.migrations?.[migration.name]?.owners ?? migration.owners)?.secondary) {
        found(`migration ${migration.name} has no secondary owner`, [`${where}: no owners in the file or in team.migrations.${migration.name}.owners`],
          `name a primary and a secondary owner from the team: \`owners: { primary: '<person>', secondary: '<another person>' }\` in the file or team.migrations.${migration.name}.owners`);
      }
      const rehearsals = await readRehearsals(db, migration.name);
      if (!rehearsals.some((r) => r.checksum === checksum && r.ok)) {
        const last = rehearsals[0];
        const seen = last ? `last rehearsal ${last.startedAt} on ${last.database}: ${last.ok ? 'OK' : 'not OK'}${last.checksum === checksum ? '' : ', of an earlier definition'}` : 'no rehearsal recorded in midair.rehearsals';
        found(`migration ${migration.name} has no successful rehearsal of its current definition`, [`${where}: ${seen}`],
          `rehearse it on a copy of this database and keep the record: \`midair rehearse ${migration.name} --attendees <people>\` (docs/rehearse.md)`);
      }
    }
    for (const name of Object.keys(team?.migrations ?? {})) {
      if (names.includes(name)) continue;
      found(`team.migrations names ${name}, which no migration file in ${settings.migrationsDir} declares`, [`team.migrations.${name}`, `migrations there: ${names.join(', ') || 'none'}`],
        `rename it to the migration's name, or remove it if the migration is gone`);
    }
    return findings;
  },
};
