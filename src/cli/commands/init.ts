import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { action } from '../action.js';
import { withMidair } from '../session.js';
import { addVerb } from '../verb.js';

const CONFIG = `import { defineConfig } from 'midair';

export default defineConfig({
  // database: 'postgres://user:password@localhost:5432/app', // DATABASE_URL and --database override it
  migrationsDir: 'migrations',
});
`;

export function registerInit(program: Command): void {
  addVerb(program, 'init', 'install the control schema in the database and create midair.config.ts and the migrations folder if missing')
    .action(
      action(async ({ options }) => {
        // The database first: a project is only set up once its database is reachable.
        const { installed, database, settings } = await withMidair('init', options, async (midair, settings) => ({ installed: await midair.init(), database: midair.db.description, settings }));
        const created: string[] = [];
        if (!settings.configFile) {
          const file = join(process.cwd(), 'midair.config.ts');
          writeFileSync(file, CONFIG, { flag: 'wx' });
          created.push(relative(process.cwd(), file));
        }
        if (!existsSync(settings.migrationsDir)) {
          mkdirSync(settings.migrationsDir, { recursive: true });
          created.push(relative(process.cwd(), settings.migrationsDir) + '/');
        }
        const schema = installed.from === installed.to ? `is up to date (version ${installed.to})` : `installed (version ${installed.from} -> ${installed.to})`;
        const text = [`control schema "midair" ${schema} in ${database}`, ...created.map((f) => `created ${f}`), 'next: `midair new <name>` writes a migration file'].join('\n');
        return { data: { database, controlSchema: installed, created }, text };
      }),
    );
}
