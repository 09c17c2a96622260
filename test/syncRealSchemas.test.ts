import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createMidair, defineMigration, op, type Midair } from '../src/index.js';
import { freshDatabase } from './support/databases.js';

/**
 * The sync trigger on schemas shaped like real ones: README's own migration, a user's BEFORE
 * trigger that changes the row, and new-release writes that name the version schema's views
 * directly instead of setting the search_path. verify is the judge after every scenario.
 */
// One life cycle, in order (never shuffled): each scenario writes rows of its own, and the last
// step completes the migration and reads what the scenarios before it wrote.
describe('sync trigger on real schemas (real PostgreSQL)', { shuffle: false }, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let oldRelease: pg.Client;
  let newRelease: pg.Client;
  let midair: Midair;

  beforeAll(async () => {
    database = await freshDatabase('sync_real');
    oldRelease = new pg.Client(database.url);
    newRelease = new pg.Client(database.url);
    await Promise.all([oldRelease.connect(), newRelease.connect()]);
    await oldRelease.query(`
      CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL, email text);
      INSERT INTO users SELECT i, 'User ' || i, 'u' || i || '@x' FROM generate_series(1, 50) i;
      CREATE TABLE orders (id int PRIMARY KEY, amount numeric NOT NULL);
      CREATE FUNCTION round_amount() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.amount := round(NEW.amount, 2); RETURN NEW; END $$;
      CREATE TRIGGER round_amount BEFORE INSERT OR UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION round_amount();
      INSERT INTO orders SELECT i, i + 0.004 FROM generate_series(1, 50) i;
      CREATE TABLE payments (id int PRIMARY KEY, amount numeric NOT NULL);
      CREATE FUNCTION round_payment() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.amount := round(NEW.amount, 1); RETURN NEW; END $$;
      CREATE TRIGGER round_payment BEFORE INSERT OR UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION round_payment();
      INSERT INTO payments SELECT i, i FROM generate_series(1, 50) i;
      CREATE TABLE visits (id int, region text, guest text NOT NULL, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
      CREATE TABLE visits_eu PARTITION OF visits FOR VALUES IN ('eu');
      CREATE TABLE visits_us PARTITION OF visits FOR VALUES IN ('us');
      INSERT INTO visits SELECT i, 'eu', 'Guest ' || i FROM generate_series(1, 50) i;`);
    midair = await createMidair({ database: database.url });
    // README's split_name, plus a derived column on a table with a user trigger.
    await midair.start(
      defineMigration({
        name: 'split_name',
        operations: [
          op.addColumn({ table: 'users', column: { name: 'first_name', type: 'text' }, up: "split_part(name, ' ', 1)" }),
          op.addColumn({ table: 'users', column: { name: 'last_name', type: 'text' }, up: "substr(name, length(split_part(name, ' ', 1)) + 2)" }),
          op.dropColumn({ table: 'users', column: 'name', down: "concat_ws(' ', first_name, last_name)" }),
          op.alterColumn({ table: 'users', column: 'email', nullable: false, unique: true, up: "coalesce(email, id || '@unknown.invalid')" }),
          op.addColumn({ table: 'orders', column: { name: 'amount_milli', type: 'numeric' }, up: 'amount * 1000' }),
          op.addColumn({ table: 'visits', column: { name: 'guest_first', type: 'text' }, up: "split_part(guest, ' ', 1)" }),
          op.addColumn({ table: 'visits', column: { name: 'guest_last', type: 'text' }, up: "substr(guest, length(split_part(guest, ' ', 1)) + 2)" }),
          op.dropColumn({ table: 'visits', column: 'guest', down: "concat_ws(' ', guest_first, guest_last)" }),
          op.alterColumn({ table: 'payments', column: 'amount', name: 'amount_cents', type: 'bigint', up: '(amount * 100)::bigint', down: 'amount_cents / 100.0' }),
        ],
      }),
    );
    await midair.backfill();
    await newRelease.query(`SET search_path = ${await midair.latestSearchPath()}`);
  });

  afterAll(async () => {
    await midair?.close();
    await Promise.all([oldRelease?.end(), newRelease?.end()]);
    await database?.drop();
  });

  async function expectVerified(): Promise<void> {
    const result = await midair.verify();
    expect(result.samples).toEqual([]);
    expect(result).toMatchObject({ mismatches: 0, unsynced: 0 });
  }

  it("keeps README's new-release name through an old-release update of another column", async () => {
    await newRelease.query(`UPDATE users SET first_name = 'Mary Ann', last_name = 'Smith' WHERE id = 1`);
    await oldRelease.query(`UPDATE users SET email = 'b@x' WHERE id = 1`);
    const { rows } = await newRelease.query(`SELECT first_name, last_name, email FROM users WHERE id = 1`);
    expect(rows[0]).toEqual({ first_name: 'Mary Ann', last_name: 'Smith', email: 'b@x' });
    const old = await oldRelease.query(`SELECT name, email FROM users WHERE id = 1`);
    expect(old.rows[0]).toEqual({ name: 'Mary Ann Smith', email: 'b@x' });
    await expectVerified();
  });

  it('re-derives the new columns when the old release changes what they derive from', async () => {
    await newRelease.query(`UPDATE users SET first_name = 'Jo', last_name = 'March' WHERE id = 2`);
    await oldRelease.query(`UPDATE users SET name = 'Amy March' WHERE id = 2`);
    const { rows } = await newRelease.query(`SELECT first_name, last_name FROM users WHERE id = 2`);
    expect(rows[0]).toEqual({ first_name: 'Amy', last_name: 'March' });
    await expectVerified();
  });

  it('keeps the new release\'s values when an old-release update moves the row to another partition', async () => {
    await newRelease.query(`UPDATE visits SET guest_first = 'Mary Ann', guest_last = 'Smith' WHERE id = 1`);
    await oldRelease.query(`UPDATE visits SET region = 'us' WHERE id = 1`);
    const { rows } = await newRelease.query(`SELECT region, guest_first, guest_last FROM visits WHERE id = 1`);
    expect(rows).toEqual([{ region: 'us', guest_first: 'Mary Ann', guest_last: 'Smith' }]);
    // An old-release row keeps its old value when it moves, though down(up('Solo')) is 'Solo '.
    await oldRelease.query(`INSERT INTO visits VALUES (2000, 'eu', 'Solo')`);
    await oldRelease.query(`UPDATE visits SET region = 'us' WHERE id = 2000`);
    const moved = await oldRelease.query(`SELECT region, guest, guest_first, guest_last FROM visits WHERE id = 2000`);
    expect(moved.rows).toEqual([{ region: 'us', guest: 'Solo', guest_first: 'Solo', guest_last: '' }]);
    await expectVerified();
  });

  it("syncs the value a user's BEFORE trigger wrote, not the value the client sent", async () => {
    await oldRelease.query(`INSERT INTO orders VALUES (1001, 1.23456)`);
    await oldRelease.query(`UPDATE orders SET amount = 7.891011 WHERE id = 3`);
    const { rows } = await oldRelease.query(`SELECT id, amount::text, amount_milli::text FROM orders WHERE id IN (3, 1001) ORDER BY id`);
    expect(rows).toEqual([
      { id: 3, amount: '7.89', amount_milli: '7890.00' },
      { id: 1001, amount: '1.23', amount_milli: '1230.00' },
    ]);
    await expectVerified();
  });

  it("re-derives a new-release write's new columns when a user's trigger changed its old columns", async () => {
    await newRelease.query(`INSERT INTO payments (id, amount_cents) VALUES (1001, 1234)`);
    await newRelease.query(`UPDATE payments SET amount_cents = 777 WHERE id = 2`);
    await newRelease.query(`UPDATE payments SET amount_cents = 500 WHERE id = 3`);
    const { rows } = await oldRelease.query(`SELECT id, amount::text FROM payments WHERE id IN (2, 3, 1001) ORDER BY id`);
    expect(rows).toEqual([
      { id: 2, amount: '7.8' },
      { id: 3, amount: '5.0' },
      { id: 1001, amount: '12.3' },
    ]);
    const shaped = await newRelease.query(`SELECT id, amount_cents::int AS cents FROM payments WHERE id IN (2, 3, 1001) ORDER BY id`);
    expect(shaped.rows).toEqual([
      { id: 2, cents: 780 },
      { id: 3, cents: 500 },
      { id: 1001, cents: 1230 },
    ]);
    await expectVerified();
  });

  it('treats a write through the qualified view name as the new release even without the search_path', async () => {
    const plain = new pg.Client(database.url);
    await plain.connect();
    try {
      const updated = await plain.query(`UPDATE public_split_name.users SET first_name = 'Ada', last_name = 'King' WHERE id = 3`);
      expect(updated.rowCount).toBe(1);
      await plain.query(`INSERT INTO public_split_name.users (id, first_name, last_name, email) VALUES (1002, 'Grace', 'Hopper', 'g@x')`);
      const { rows } = await plain.query(`SELECT id, name, first_name, last_name FROM public.users WHERE id IN (3, 1002) ORDER BY id`);
      expect(rows).toEqual([
        { id: 3, name: 'Ada King', first_name: 'Ada', last_name: 'King' },
        { id: 1002, name: 'Grace Hopper', first_name: 'Grace', last_name: 'Hopper' },
      ]);
      // The old release's own inserts still derive the new columns.
      await plain.query(`INSERT INTO public.users (id, name, email) VALUES (1003, 'Alan Turing', 'a@x')`);
      const derived = await plain.query(`SELECT first_name, last_name FROM public.users WHERE id = 1003`);
      expect(derived.rows[0]).toEqual({ first_name: 'Alan', last_name: 'Turing' });
    } finally {
      await plain.end();
    }
    await expectVerified();
  });

  it('completes with every value intact', async () => {
    await midair.complete();
    const { rows } = await newRelease.query(`SELECT id, first_name, last_name, email FROM users WHERE id IN (1, 2, 3, 1002) ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, first_name: 'Mary Ann', last_name: 'Smith', email: 'b@x' },
      { id: 2, first_name: 'Amy', last_name: 'March', email: 'u2@x' },
      { id: 3, first_name: 'Ada', last_name: 'King', email: 'u3@x' },
      { id: 1002, first_name: 'Grace', last_name: 'Hopper', email: 'g@x' },
    ]);
  });
});
