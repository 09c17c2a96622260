import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(REPO, 'dist/cli/main.js');

/**
 * A user's project folder: `node_modules/midair` links to this repository (built to dist/), so
 * migration files import from 'midair' exactly as they would in a real project.
 */
export function makeProject(dir: string, files: Record<string, string> = {}): string {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  try {
    symlinkSync(REPO, join(dir, 'node_modules', 'midair'), 'dir');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}
