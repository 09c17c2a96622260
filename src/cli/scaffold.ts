import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { MidairError } from '../errors.js';

const NAME = /^[a-z0-9_]{1,40}$/;

/** 20250131T093000 -> "20250131093000": file names sort in the order migrations were written. */
function timestamp(now: Date): string {
  return now.toISOString().replace(/\D/g, '').slice(0, 14);
}

/** The name a migration file is for: "20250131093000_split_name.ts" -> "split_name". */
function nameOfFile(file: string): string {
  return basename(file, extname(file)).replace(/^\d+_/, '');
}

const skeleton = (name: string) => `import { defineMigration, op } from 'midair';

export default defineMigration({
  name: '${name}',
  description: '',
  operations: [
    // One or more operations, for example:
    // op.addColumn({ table: 'users', column: { name: 'nickname', type: 'text' } }),
    // op.alterColumn({ table: 'products', column: 'price', name: 'price_cents', type: 'integer',
    //   up: 'round(price * 100)::integer', down: 'price_cents / 100.0' }),
  ],
});
`;

/** Writes migrations/<timestamp>_<name>.ts; refuses a name that a file there already has. */
export function writeMigrationSkeleton(dir: string, name: string, now = new Date()): string {
  if (!NAME.test(name)) throw new MidairError(`"${name}" is not a valid migration name`, 'use 1 to 40 lower-case letters, digits or underscores (it names a schema)');
  const taken = existsSync(dir) ? readdirSync(dir).find((f) => ['.ts', '.mts', '.js', '.mjs'].includes(extname(f)) && nameOfFile(f) === name) : undefined;
  if (taken) throw new MidairError(`a migration named "${name}" exists already: ${join(dir, taken)}`, 'choose another name, or edit that file');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${timestamp(now)}_${name}.ts`);
  writeFileSync(file, skeleton(name), { flag: 'wx' });
  return file;
}
