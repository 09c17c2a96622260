import type { Context } from '../lifecycle/context.js';
import type { LoadedMigration } from '../migration/load.js';
import type { Migration } from '../migration/types.js';
import { activeMigrations, type MigrationRecord } from '../state/store.js';

/** A migration as the people rules read it, and its active record (null: not started, or finished). */
export interface MigrationTarget {
  migration: Migration;
  checksum: string;
  record: MigrationRecord | null;
}

/**
 * The one answer to "whose migration is this": the active migration of that name, by the
 * definition it was started with (an edited file changes nothing once it runs), else the file.
 * `load` is asked only when no active migration has the name given.
 */
export async function migrationTarget(ctx: Context, name: string | null, load: () => Promise<LoadedMigration>): Promise<MigrationTarget> {
  const active = await activeMigrations(ctx.db, ctx.settings.schema);
  const byName = (n: string) => active.find((m) => m.name === n);
  const found = name ? byName(name) : undefined;
  if (found) return { migration: found.definition, checksum: found.checksum, record: found };
  const loaded = await load();
  const record = byName(loaded.migration.name);
  if (record) return { migration: record.definition, checksum: record.checksum, record };
  return { migration: loaded.migration, checksum: loaded.checksum, record: null };
}
