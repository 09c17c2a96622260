import type { Catalog } from '../catalog/read.js';
import { MidairError } from '../errors.js';
import { compile, type Compiled } from '../migration/compile.js';
import type { LoadedMigration } from '../migration/load.js';
import type { Plan } from '../migration/plan.js';
import type { MigrationRecord } from '../state/store.js';

/** Compiles a loaded file; its messages name the file. */
export function compileLoaded(loaded: LoadedMigration, catalog: Catalog): Compiled {
  try {
    return compile(loaded.migration, catalog);
  } catch (error) {
    if (error instanceof MidairError) throw new MidairError(`${loaded.file ?? `migration "${loaded.migration.name}"`}: ${error.message}`, error.hint, error.details);
    throw error;
  }
}

/** The plan of a started migration, from the definition and catalog stored when it started. */
export function compileRecord(record: MigrationRecord): Plan {
  return compile(record.definition, record.catalog).plan;
}
