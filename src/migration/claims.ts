import type { Migration } from './types.js';

/** A migration whose raw SQL may touch any table claims them all. */
export const EVERY_TABLE = '*';

/**
 * What an enum operation claims: its type, by a name no table can clash with in a harmful way (a
 * table named so would only be claimed too), so two migrations cannot change one enum at once.
 */
export function enumClaim(name: string): string {
  return `enum type ${name}`;
}

/**
 * The tables a migration changes, by every name they have in it (old and new): while it is active
 * no other migration may change them, and its version schema shows them in their new shape.
 */
export function claimedTables(migration: Migration): string[] {
  const names = new Set<string>();
  for (const o of migration.operations) {
    switch (o.kind) {
      case 'createTable':
      case 'dropTable':
        names.add(o.name);
        break;
      case 'renameTable':
        names.add(o.from).add(o.to);
        break;
      case 'sql':
        return [EVERY_TABLE];
      case 'createEnum':
      case 'dropEnum':
        names.add(enumClaim(o.name));
        break;
      case 'addEnumValue':
      case 'renameEnumValue':
        names.add(enumClaim(o.enum));
        break;
      default:
        names.add(o.table);
    }
  }
  // A table renamed later in the migration is named by its new name in later operations.
  return [...names].sort();
}
