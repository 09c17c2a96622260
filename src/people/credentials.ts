import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { MidairError } from '../errors.js';

/** A personal token saved by `midair login`, for one database. */
export interface SavedCredential {
  token: string;
  person: string;
  tokenId: number;
}

/** Where `midair login` saves tokens: `$XDG_CONFIG_HOME/midair/credentials.json`, else `~/.config/midair/credentials.json`. */
export function credentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'midair', 'credentials.json');
}

function readAll(file: string): Record<string, SavedCredential> {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, SavedCredential>;
  } catch (error) {
    throw new MidairError(`${file}: not a credentials file (${(error as Error).message})`, 'delete it and run `midair login` again');
  }
}

function writeAll(file: string, all: Record<string, SavedCredential>): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(all, null, 2) + '\n', { mode: 0o600 });
  // The mode of writeFileSync applies only to a new file: an older one is tightened too.
  chmodSync(file, 0o600);
}

/** The token saved for a database (by its description, e.g. "postgres 127.0.0.1:5432/app"), if any. */
export function savedCredential(database: string, file = credentialsFile()): SavedCredential | null {
  return readAll(file)[database] ?? null;
}

export function saveCredential(database: string, credential: SavedCredential, file = credentialsFile()): void {
  writeAll(file, { ...readAll(file), [database]: credential });
}

/** Forgets the saved token of a database when it is one of `tokenIds` (a revoked token is of no use). */
export function forgetCredential(database: string, tokenIds: readonly number[], file = credentialsFile()): boolean {
  const all = readAll(file);
  const saved = all[database];
  if (!saved || !tokenIds.includes(saved.tokenId)) return false;
  delete all[database];
  writeAll(file, all);
  return true;
}
