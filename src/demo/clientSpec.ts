import type { Side } from '../client/route.js';
import type { MigrationSpec, ShapeDb } from '../client/spec.js';
import { placeholderEmail, splitName } from './migration.js';
import { fullName } from './names.js';
import { demoKey, type DemoRecord, type DemoRequest, type DemoWritten } from './requests.js';

type Row = Record<string, unknown>;

/** The one row a statement must find; a request that finds none failed as far as its user is concerned. */
async function one(db: ShapeDb, what: string, sql: string, params: unknown[]): Promise<Row> {
  const { rows } = await db.query<Row>(sql, params);
  if (rows.length !== 1) throw new Error(`${what} was not found`);
  return rows[0]!;
}

/** Prices are text with two decimals in the old shape; `up` computes round(price::numeric * 100). */
const cents = (price: string) => Math.round(Number(price) * 100);

async function readOld(db: ShapeDb, r: DemoRequest): Promise<DemoRecord> {
  if (r.op !== 'read') throw new Error(`readOld got a ${r.op} request`);
  if (r.table === 'users') {
    const row = await one(db, `user ${r.id}`, 'SELECT name, email FROM users WHERE id = $1', [r.id]);
    // The old row in the new representation, the way the migration's `up` maps it.
    return { ...splitName(row.name as string), email: (row.email as string | null) ?? placeholderEmail(r.id) };
  }
  const row = await one(db, `product ${r.id}`, 'SELECT title, price FROM products WHERE id = $1', [r.id]);
  return { title: row.title as string, price_cents: cents(row.price as string) };
}

async function readNew(db: ShapeDb, r: DemoRequest): Promise<DemoRecord> {
  if (r.op !== 'read') throw new Error(`readNew got a ${r.op} request`);
  if (r.table === 'users') {
    const row = await one(db, `user ${r.id}`, 'SELECT first_name, last_name, email FROM users WHERE id = $1', [r.id]);
    // What a user of the new shape would notice: a name or an email missing.
    if (row.first_name === null || row.email === null) throw new Error(`user ${r.id} has no first_name or email in the new shape`);
    return { first_name: row.first_name as string, last_name: row.last_name as string | null, email: row.email as string };
  }
  const row = await one(db, `product ${r.id}`, 'SELECT title, price_cents FROM products WHERE id = $1', [r.id]);
  if (row.price_cents === null) throw new Error(`product ${r.id} has no price_cents in the new shape`);
  return { title: row.title as string, price_cents: Number(row.price_cents) };
}

const inserted = (side: Side, row: Row): DemoWritten => ({ id: String(row.id), side });

async function writeOld(db: ShapeDb, r: DemoRequest): Promise<DemoWritten> {
  switch (r.op) {
    case 'rename':
      await one(db, `user ${r.id}`, 'UPDATE users SET name = $2 WHERE id = $1 RETURNING id', [r.id, fullName(r.person)]);
      return { id: r.id, side: 'old' };
    case 'email':
      await one(db, `user ${r.id}`, 'UPDATE users SET email = $2 WHERE id = $1 RETURNING id', [r.id, r.email]);
      return { id: r.id, side: 'old' };
    case 'delete':
      await one(db, `user ${r.id}`, 'DELETE FROM users WHERE id = $1 RETURNING id', [r.id]);
      return { id: r.id, side: 'old' };
    case 'signUp':
      return inserted('old', await one(db, 'the new user', 'INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id::text AS id', [fullName(r.person), r.email]));
    case 'price':
      await one(db, `product ${r.id}`, 'UPDATE products SET price = $2 WHERE id = $1 RETURNING id', [r.id, (r.cents / 100).toFixed(2)]);
      return { id: r.id, side: 'old' };
    case 'add':
      return inserted('old', await one(db, 'the new product', 'INSERT INTO products (title, price) VALUES ($1, $2) RETURNING id::text AS id', [r.title, (r.cents / 100).toFixed(2)]));
    case 'read':
      throw new Error('writeOld got a read request');
  }
}

async function writeNew(db: ShapeDb, r: DemoRequest): Promise<DemoWritten> {
  switch (r.op) {
    case 'rename':
      await one(db, `user ${r.id}`, 'UPDATE users SET first_name = $2, last_name = $3 WHERE id = $1 RETURNING id', [r.id, r.person.first, r.person.last]);
      return { id: r.id, side: 'new' };
    case 'email':
      // The new shape has no user without an email: the new code writes what `up` gives a missing one.
      await one(db, `user ${r.id}`, 'UPDATE users SET email = $2 WHERE id = $1 RETURNING id', [r.id, r.email ?? placeholderEmail(r.id)]);
      return { id: r.id, side: 'new' };
    case 'delete':
      await one(db, `user ${r.id}`, 'DELETE FROM users WHERE id = $1 RETURNING id', [r.id]);
      return { id: r.id, side: 'new' };
    case 'signUp': {
      // The new shape has no user without an email: a sign-up without one gets the placeholder `up`
      // gives one written through the old shape, which names the id the insert makes.
      const provisional = r.email ?? `pending.${r.token}@unknown.invalid`;
      const row = await one(db, 'the new user', 'INSERT INTO users (first_name, last_name, email) VALUES ($1, $2, $3) RETURNING id::text AS id', [r.person.first, r.person.last, provisional]);
      if (r.email === null) await one(db, 'the new user', 'UPDATE users SET email = $2 WHERE id = $1 RETURNING id', [row.id, placeholderEmail(String(row.id))]);
      return inserted('new', row);
    }
    case 'price':
      await one(db, `product ${r.id}`, 'UPDATE products SET price_cents = $2 WHERE id = $1 RETURNING id', [r.id, r.cents]);
      return { id: r.id, side: 'new' };
    case 'add':
      return inserted('new', await one(db, 'the new product', 'INSERT INTO products (title, price_cents) VALUES ($1, $2) RETURNING id::text AS id', [r.title, r.cents]));
    case 'read':
      throw new Error('writeNew got a read request');
  }
}

/**
 * The demo application's declaration for the Midair client: one client migration for the whole
 * `split` migration, users and products alike. The stage, the ramp and the kill switch belong to
 * the migration, so one handle follows one routing state; the key names the table, so each record
 * of either table is routed on its own. Reads return the record in the new representation from
 * both shapes (the old one mapped in TypeScript the way `up` maps it), so compares are meaningful.
 */
export const demoClientSpec: MigrationSpec<DemoRequest, DemoRecord, DemoWritten> = {
  key: demoKey,
  readOld,
  readNew,
  writeOld,
  writeNew,
};
