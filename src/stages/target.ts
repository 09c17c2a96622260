import type { Queryable } from '../db/executor.js';
import { MidairRefusal } from '../errors.js';
import { activeMigrations, type MigrationRecord } from '../state/store.js';

/**
 * The active migration a command is about: the one it names, or else the schema's only active
 * one. With several active, a command that names none is refused rather than guessing.
 */
export async function activeTarget(db: Queryable, schema: string, name?: string, noneHint = 'start one with `midair start <migration>`'): Promise<MigrationRecord> {
  const active = await activeMigrations(db, schema);
  const names = active.map((m) => `"${m.name}" (${m.stage})`).join(', ');
  if (name) {
    const found = active.find((m) => m.name === name);
    if (found) return found;
    throw new MidairRefusal('stage', `migration "${name}" is not active in schema "${schema}"`, active.length ? `active: ${names}` : 'see `midair status`');
  }
  if (active.length === 1) return active[0]!;
  if (active.length === 0) throw new MidairRefusal('stage', `no migration is active in schema "${schema}"`, noneHint);
  throw new MidairRefusal('ambiguous', `${active.length} migrations are active in schema "${schema}": ${names}`, 'name the migration this command is for, e.g. `midair verify <migration>`');
}
