import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createMidair, defineMigration, op, type Migration } from '../src/index.js';
import { freshDatabase } from './support/databases.js';

const SETUP = `CREATE TABLE products (id int PRIMARY KEY, price text NOT NULL, label text);
  CREATE FUNCTION label_product() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
  BEGIN
    NEW.label := 'costs ' || NEW.price;
    RETURN NEW;
  END $$;
  REVOKE EXECUTE ON FUNCTION label_product() FROM PUBLIC;
  GRANT EXECUTE ON FUNCTION label_product() TO pg_monitor;
  CREATE TRIGGER products_label BEFORE INSERT OR UPDATE ON products FOR EACH ROW EXECUTE FUNCTION label_product();
  INSERT INTO products VALUES (1, '1.50'), (2, '2.25');`;

const PRICE_NUMERIC = defineMigration({
  name: 'price_numeric',
  operations: [op.alterColumn({ table: 'products', column: 'price', type: 'numeric', up: 'price::numeric', down: 'price::text' })],
});

const FUNCTION_FACTS = `SELECT p.proowner::regrole::text AS owner, p.proacl::text AS acl, p.prosecdef AS security_definer, p.proconfig AS config, p.prosrc AS source
  FROM pg_proc p WHERE p.oid = 'label_product'::regproc`;

/**
 * A session that ran the user's PL/pgSQL trigger keeps its compiled function, and with it plans
 * typed for the old column: it must still write after complete (and after rollback), without reconnecting.
 */
describe('user PL/pgSQL triggers across contract and rollback (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await freshDatabase('user_trigger');
    admin = new pg.Client(database.url);
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await database.drop();
  });

  async function prepare(): Promise<{ facts: unknown; app: pg.Client }> {
    await admin.query(`DROP SCHEMA IF EXISTS midair CASCADE; DROP SCHEMA IF EXISTS public_price_numeric CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public; ${SETUP}`);
    const facts = (await admin.query(FUNCTION_FACTS)).rows;
    const app = new pg.Client(database.url);
    await app.connect();
    return { facts, app };
  }

  async function withMidair<T>(run: (midair: Awaited<ReturnType<typeof createMidair>>) => Promise<T>): Promise<T> {
    const midair = await createMidair({ database: database.url });
    try {
      return await run(midair);
    } finally {
      await midair.close();
    }
  }

  async function startAndFill(migration: Migration): Promise<string> {
    return withMidair(async (midair) => {
      await midair.start(migration);
      await midair.backfill();
      return midair.latestSearchPath();
    });
  }

  it('a session that fired the trigger before complete keeps writing after complete', async () => {
    const { facts, app } = await prepare();
    try {
      const searchPath = await startAndFill(PRICE_NUMERIC);
      await app.query(`SET search_path = ${searchPath}`);
      await app.query(`INSERT INTO products (id, price) VALUES (3, 3.75)`);
      await app.query(`UPDATE products SET price = 4.5 WHERE id = 1`);
      await withMidair(async (midair) => {
        expect(await midair.verify()).toMatchObject({ mismatches: 0 });
        await midair.complete();
      });
      await app.query(`INSERT INTO products (id, price) VALUES (4, 9.99)`);
      await app.query(`UPDATE products SET price = 5.25 WHERE id = 2`);
      expect((await app.query(`SELECT id, price::text, label FROM products ORDER BY id`)).rows).toEqual([
        { id: 1, price: '4.5', label: 'costs 4.5' }, { id: 2, price: '5.25', label: 'costs 5.25' },
        { id: 3, price: '3.75', label: 'costs 3.75' }, { id: 4, price: '9.99', label: 'costs 9.99' },
      ]);
      expect((await admin.query(FUNCTION_FACTS)).rows).toEqual(facts);
    } finally {
      await app.end();
    }
  });

  it('a session that fired the trigger while expanded keeps writing after rollback', async () => {
    const { facts, app } = await prepare();
    try {
      await startAndFill(PRICE_NUMERIC);
      await app.query(`INSERT INTO products (id, price) VALUES (3, '3.75')`);
      await withMidair((midair) => midair.rollback());
      await app.query(`INSERT INTO products (id, price) VALUES (4, '9.99')`);
      await app.query(`UPDATE products SET price = '5.25' WHERE id = 2`);
      expect((await app.query(`SELECT id, price, label FROM products ORDER BY id`)).rows).toEqual([
        { id: 1, price: '1.50', label: 'costs 1.50' }, { id: 2, price: '5.25', label: 'costs 5.25' },
        { id: 3, price: '3.75', label: 'costs 3.75' }, { id: 4, price: '9.99', label: 'costs 9.99' },
      ]);
      expect((await admin.query(FUNCTION_FACTS)).rows).toEqual(facts);
    } finally {
      await app.end();
    }
  });
});
