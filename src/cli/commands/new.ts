import { relative } from 'node:path';
import type { Command } from 'commander';
import { action } from '../action.js';
import { writeMigrationSkeleton } from '../scaffold.js';
import { resolveSettings } from '../session.js';
import { addVerb } from '../verb.js';

export function registerNew(program: Command): void {
  addVerb(program, 'new <name>', 'write a migration file skeleton, migrations/<timestamp>_<name>.ts')
    .action(
      action(async ({ args, options }) => {
        const name = args[0]!;
        const settings = await resolveSettings(options);
        const file = relative(process.cwd(), writeMigrationSkeleton(settings.migrationsDir, name));
        return { data: { name, file }, text: `created ${file}\nnext: add operations, then \`midair plan ${name}\`` };
      }),
    );
}
