import { defineMigration, op } from '../migration/define.js';

/** The demo's change: the three classics of a data-model change, in one migration. */
export const demoMigration = defineMigration({
  name: 'split',
  description: 'split users.name into first_name and last_name, make users.email NOT NULL and unique, store products.price as integer cents',
  operations: [
    op.addColumn({ table: 'users', column: { name: 'first_name', type: 'text' }, up: "split_part(name, ' ', 1)" }),
    op.addColumn({ table: 'users', column: { name: 'last_name', type: 'text' }, up: "nullif(substr(name, length(split_part(name, ' ', 1)) + 2), '')" }),
    op.dropColumn({ table: 'users', column: 'name', down: "concat_ws(' ', first_name, last_name)" }),
    op.alterColumn({ table: 'users', column: 'email', nullable: false, unique: true, up: "coalesce(email, 'user' || id || '@unknown.invalid')", down: 'email' }),
    op.alterColumn({ table: 'products', column: 'price', name: 'price_cents', type: 'integer', up: 'round(price::numeric * 100)::integer', down: '(price_cents / 100.0)::text' }),
  ],
});

/** What an old-release write of NULL email becomes in the new shape (the `up` above, in TypeScript). */
export function placeholderEmail(id: string): string {
  return `user${id}@unknown.invalid`;
}

/** The new shape's name fields for an old `name`, split the way the migration's `up` splits it. */
export function splitName(name: string): { first_name: string; last_name: string | null } {
  const space = name.indexOf(' ');
  return space < 0 ? { first_name: name, last_name: null } : { first_name: name.slice(0, space), last_name: name.slice(space + 1) || null };
}
