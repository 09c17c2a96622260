import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { MidairError } from '../errors.js';
import { importDefault } from '../importDefault.js';
import type { Migration } from './types.js';
import { validateMigration } from './validate.js';

export interface LoadedMigration {
  migration: Migration;
  /** The file it came from; null for migrations passed as objects. */
  file: string | null;
  checksum: string;
}

export function checksumOf(migration: Migration): string {
  return createHash('sha256').update(JSON.stringify(migration)).digest('hex').slice(0, 16);
}

export function fromObject(value: unknown, source = 'migration'): LoadedMigration {
  const migration = validateMigration(value, source);
  return { migration, file: null, checksum: checksumOf(migration) };
}

/** Imports a .ts or .js migration file (TypeScript is compiled on the fly) and validates it. */
export async function loadMigrationFile(file: string): Promise<LoadedMigration> {
  const path = resolve(file);
  if (!existsSync(path)) throw new MidairError(`${file}: no such migration file`, 'give a path, or a migration name from the migrations folder');
  let value: unknown;
  try {
    value = await importDefault(path);
  } catch (error) {
    const message = (error as Error).message?.split('\n').slice(0, 3).join(' ') ?? String(error);
    throw new MidairError(`${file}: the migration file does not load: ${message}`, 'fix the error in the file (it must compile and `export default defineMigration({...})`)');
  }
  if (value === undefined) {
    throw new MidairError(`${file}: the migration file has no default export`, "Midair reads the default export: write `export default defineMigration({ name: '...', operations: [...] })`, not `export const ... =`");
  }
  const migration = validateMigration(value, file);
  return { migration, file: path, checksum: checksumOf(migration) };
}

/** Migration files in a folder, sorted by file name (prefix them with a number or a date). */
export function listMigrationFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => ['.ts', '.mts', '.js', '.mjs'].includes(extname(f)) && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => join(dir, f));
}

/** A migration given as a path, a file name in the migrations folder, or the name it declares. */
export async function resolveMigration(ref: string, migrationsDir: string): Promise<LoadedMigration> {
  if (existsSync(ref)) return loadMigrationFile(ref);
  const files = listMigrationFiles(migrationsDir);
  const stem = (f: string) => basename(f, extname(f));
  // "split_name" finds 20250131093000_split_name.ts (as `midair new` names files) without loading the others.
  const byFile = files.find((f) => stem(f) === ref || basename(f) === ref) ?? files.find((f) => stem(f).replace(/^\d+_/, '') === ref);
  if (byFile) return loadMigrationFile(byFile);
  // Another file's mistake is not this command's: a file that does not load is only listed.
  const known: string[] = [];
  for (const file of files) {
    const loaded = await loadMigrationFile(file).catch(() => null);
    if (loaded?.migration.name === ref) return loaded;
    known.push(loaded ? `${loaded.migration.name} (${basename(file)})` : `${basename(file)} (does not load: \`midair plan ${basename(file)}\` says why)`);
  }
  throw new MidairError(
    `no migration named "${ref}" in ${migrationsDir}`,
    files.length ? `give a file path or one of the migrations there: ${known.join(', ')}` : 'create one with `midair new <name>`',
  );
}
