import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createMidair, defineMigration, op, type Midair } from '../src/index.js';
import { ident } from '../src/db/sql.js';
import { dropRole, freshDatabase } from './support/databases.js';
import { catalogSnapshot, schemaDump } from './support/snapshot.js';
import { WriteLoop } from './support/writeLoop.js';

/**
 * A schema shaped like a real shop's: a quoted mixed-case schema and names, a partitioned table
 * with a composite key, the user's own BEFORE trigger on every table, foreign keys both ways,
 * row-level security for a non-owner application role, and views over views. Two migrations on
 * two tables run their life cycles interleaved while old- and new-release clients write; verify
 * and a ledger of every acknowledged write judge the result, once through complete and once
 * through rollback.
 */

const SCHEMA = `
  CREATE SCHEMA "Shop";
  CREATE TABLE "Shop"."Accounts" (
    id int PRIMARY KEY,
    "fullName" text NOT NULL,
    email text NOT NULL,
    "lastOrderRegion" text,
    "lastOrderId" int
  );
  CREATE TABLE "Shop".orders (
    region text NOT NULL,
    id int NOT NULL,
    "accountId" int NOT NULL REFERENCES "Shop"."Accounts" (id),
    amount text NOT NULL DEFAULT '0',
    PRIMARY KEY (region, id)
  ) PARTITION BY LIST (region);
  CREATE TABLE "Shop"."orders_EU" PARTITION OF "Shop".orders FOR VALUES IN ('eu');
  CREATE TABLE "Shop"."orders_US" PARTITION OF "Shop".orders FOR VALUES IN ('us');
  ALTER TABLE "Shop"."Accounts" ADD CONSTRAINT "Accounts_lastOrder_fkey"
    FOREIGN KEY ("lastOrderRegion", "lastOrderId") REFERENCES "Shop".orders (region, id);

  -- The application's own triggers: both change a column the migrations convert or derive from.
  -- (PL/pgSQL bodies are not renamed with a column: the one on Accounts names no renamed column.)
  CREATE FUNCTION "Shop"."roundAmount"() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN NEW.amount := round(NEW.amount::numeric, 1); RETURN NEW; END $$;
  CREATE TRIGGER "roundAmount" BEFORE INSERT OR UPDATE ON "Shop".orders FOR EACH ROW EXECUTE FUNCTION "Shop"."roundAmount"();
  CREATE FUNCTION "Shop"."tidyAccount"() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN NEW.email := lower(NEW.email); RETURN NEW; END $$;
  CREATE TRIGGER "tidyAccount" BEFORE INSERT OR UPDATE ON "Shop"."Accounts" FOR EACH ROW EXECUTE FUNCTION "Shop"."tidyAccount"();

  -- Views over views, on columns the migrations keep (a renamed one included).
  CREATE VIEW "Shop"."orderRefs" AS SELECT region, id, "accountId" FROM "Shop".orders;
  CREATE VIEW "Shop"."accountOrders" AS
    SELECT a.id AS "accountId", a."fullName", r.region, r.id AS "orderId"
      FROM "Shop"."Accounts" a JOIN "Shop"."orderRefs" r ON r."accountId" = a.id;

  INSERT INTO "Shop"."Accounts" (id, "fullName", email)
    SELECT i, 'Customer ' || i, 'c' || i || '@shop' || (i % 7) || '.example' FROM generate_series(1, 2000) i;
  INSERT INTO "Shop".orders (region, id, "accountId", amount)
    SELECT CASE WHEN i % 2 = 1 THEN 'eu' ELSE 'us' END, i, 1 + i % 2000, (i % 997) || '.25' FROM generate_series(1, 4000) i;
  UPDATE "Shop"."Accounts" SET "lastOrderRegion" = CASE WHEN id % 2 = 1 THEN 'eu' ELSE 'us' END, "lastOrderId" = id WHERE id <= 1000;`;

function grants(role: string): string {
  return `
  CREATE ROLE ${role} LOGIN;
  GRANT USAGE ON SCHEMA "Shop" TO ${role};
  GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA "Shop" TO ${role};
  ALTER TABLE "Shop".orders ENABLE ROW LEVEL SECURITY;
  CREATE POLICY "regionScope" ON "Shop".orders
    USING (region = current_setting('app.region', true)) WITH CHECK (region = current_setting('app.region', true));`;
}

const amounts = defineMigration({
  name: 'amounts',
  operations: [
    // The text default '0' does not convert to numeric by assignment: the new one is explicit.
    op.alterColumn({ table: 'orders', column: 'amount', type: 'numeric(12,2)', default: '0', up: 'amount::numeric(12,2)', down: 'amount::text' }),
    op.createIndex({ table: 'orders', columns: ['accountId', 'amount'], name: 'ordersByAccount' }),
  ],
});
const contacts = defineMigration({
  name: 'contacts',
  operations: [
    op.renameColumn({ table: 'Accounts', from: 'fullName', to: 'displayName' }),
    op.addColumn({ table: 'Accounts', column: { name: 'emailDomain', type: 'text' }, up: `split_part(email, '@', 2)` }),
  ],
});

/** What the final tables must hold for an account: in the new shape's names. */
interface AccountRow {
  displayName: string;
  email: string;
  emailDomain: string;
}

/** Keys [from, from + n). */
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe.each(['complete', 'rollback'] as const)('a real application schema, life cycle ending in %s (real PostgreSQL)', (ending) => {
  const role = `midair_shop_app_${process.pid}_${ending}`;
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let midair: Midair;
  const clients: pg.Client[] = [];
  const accounts = new Map<number, AccountRow>();
  /** Key `region:id` → amount, as the number the user trigger rounded it to. */
  const orders = new Map<string, number>();

  async function connect(as: 'owner' | 'app', searchPath: string, region?: string): Promise<pg.Client> {
    const url = new URL(database.url);
    if (as === 'app') url.username = role;
    const c = new pg.Client(url.toString());
    await c.connect();
    clients.push(c);
    await c.query(`SET search_path TO ${searchPath.split(',').map(ident).join(', ')}`);
    if (region) await c.query(`SET app.region = '${region}'`);
    return c;
  }

  beforeAll(async () => {
    database = await freshDatabase(`shop_${ending}`);
    const owner = await connect('owner', 'Shop');
    await owner.query(`DROP ROLE IF EXISTS ${role}`);
    await owner.query(SCHEMA + grants(role));
    for (const id of range(1, 2000)) accounts.set(id, { displayName: `Customer ${id}`, email: `c${id}@shop${id % 7}.example`, emailDomain: `shop${id % 7}.example` });
    for (const id of range(1, 4000)) orders.set(`${id % 2 === 1 ? 'eu' : 'us'}:${id}`, (id % 997) + 0.3);
    midair = await createMidair({ database: database.url, schema: 'Shop' });
    await midair.init();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end()));
    await midair?.close();
    await database?.drop();
    await dropRole(role);
  });

  /**
   * Upserts and updates of one region's orders (both shapes name the amount alike), each
   * acknowledged write recorded as the amount the final table must hold.
   */
  function ordersWriter(client: pg.Client, region: string, orderIds: number[], amountOf: (i: number) => { written: string; stored: number }): WriteLoop {
    return new WriteLoop(async (i) => {
      const id = orderIds[i % orderIds.length]!;
      const { written, stored } = amountOf(i);
      const result = i % 2 === 0
        ? await client.query(
            `INSERT INTO orders (region, id, "accountId", amount) VALUES ($4, $1, $2, $3)
             ON CONFLICT (region, id) DO UPDATE SET amount = excluded.amount`,
            [id, 1 + (i % 2000), written, region])
        : await client.query(`UPDATE orders SET amount = $2 WHERE region = $3 AND id = $1`, [id, written, region]);
      if (result.rowCount !== 1) return false;
      orders.set(`${region}:${id}`, stored);
      return true;
    });
  }

  /** The old release: plain tables, old names, amounts as text. */
  function oldReleaseWriters(accountsClient: pg.Client, ordersClient: pg.Client): WriteLoop[] {
    const accountKeys = [...range(10_001, 40), ...range(1, 40)];
    const orderIds = [...range(10_001, 40), ...range(1, 80).filter((id) => id % 2 === 1)];
    return [
      new WriteLoop(async (i) => {
        const id = accountKeys[i % accountKeys.length]!;
        const email = `Old${i}@Mail${i % 3}.EXAMPLE`;
        const result = i % 2 === 0
          ? await accountsClient.query(
              `INSERT INTO "Accounts" (id, "fullName", email, "lastOrderRegion", "lastOrderId") VALUES ($1, $2, $3, 'eu', 1)
               ON CONFLICT (id) DO UPDATE SET "fullName" = excluded."fullName", email = excluded.email`,
              [id, `Old ${i}`, email])
          : await accountsClient.query(`UPDATE "Accounts" SET "fullName" = $2, email = $3 WHERE id = $1`, [id, `Old ${i}`, email]);
        if (result.rowCount !== 1) return false;
        accounts.set(id, { displayName: `Old ${i}`, email: email.toLowerCase(), emailDomain: `mail${i % 3}.example` });
        return true;
      }),
      ordersWriter(ordersClient, 'eu', orderIds, (i) => {
        const [units, tenths] = [i % 500, i % 10];
        return { written: `${units}.${tenths}4`, stored: units + tenths / 10 };
      }),
    ];
  }

  /** The new release: the version schemas' views, new names, amounts as numeric. */
  function newReleaseWriters(accountsClient: pg.Client, ordersClient: pg.Client): WriteLoop[] {
    const accountKeys = [...range(20_001, 40), ...range(101, 40)];
    const orderIds = [...range(20_002, 80).filter((id) => id % 2 === 0), ...range(2, 80).filter((id) => id % 2 === 0)];
    return [
      new WriteLoop(async (i) => {
        const id = accountKeys[i % accountKeys.length]!;
        const domain = `new${i % 3}.example`;
        const email = `New${i}@${domain.toUpperCase()}`;
        const result = i % 2 === 0
          ? await accountsClient.query(
              `INSERT INTO "Accounts" (id, "displayName", email, "emailDomain", "lastOrderRegion", "lastOrderId") VALUES ($1, $2, $3, $4, 'us', 2)
               ON CONFLICT (id) DO UPDATE SET "displayName" = excluded."displayName", email = excluded.email, "emailDomain" = excluded."emailDomain"`,
              [id, `New ${i}`, email, domain])
          : await accountsClient.query(`UPDATE "Accounts" SET "displayName" = $2, email = $3, "emailDomain" = $4 WHERE id = $1`, [id, `New ${i}`, email, domain]);
        if (result.rowCount !== 1) return false;
        accounts.set(id, { displayName: `New ${i}`, email: email.toLowerCase(), emailDomain: domain });
        return true;
      }),
      ordersWriter(ordersClient, 'us', orderIds, (i) => {
        const [units, tenths, hundredths] = [i % 500, i % 10, [1, 3, 7, 8][i % 4]!];
        // The user's trigger rounds to tenths what the new release writes in hundredths.
        return { written: `${units}.${tenths}${hundredths}`, stored: units + (tenths + (hundredths >= 5 ? 1 : 0)) / 10 };
      }),
    ];
  }

  /** Every acknowledged write is in the tables, and the tables hold nothing else. */
  async function expectLedgerHeld(shape: 'new' | 'old'): Promise<void> {
    const owner = await connect('owner', 'Shop');
    const nameColumn = shape === 'new' ? '"displayName"' : '"fullName"';
    const domainColumn = shape === 'new' ? '"emailDomain"' : 'NULL';
    const accountRows = await owner.query<{ id: number; name: string; email: string; domain: string | null }>(
      `SELECT id, ${nameColumn} AS name, email, ${domainColumn} AS domain FROM "Accounts"`,
    );
    const lostAccounts = accountRows.rows
      .filter((r) => {
        const want = accounts.get(r.id);
        return !want || want.displayName !== r.name || want.email !== r.email || (shape === 'new' && want.emailDomain !== r.domain);
      })
      .slice(0, 5);
    expect(lostAccounts).toEqual([]);
    expect(accountRows.rows.length).toBe(accounts.size);

    const orderRows = await owner.query<{ key: string; amount: string }>(`SELECT region || ':' || id AS key, amount::text AS amount FROM orders`);
    const lostOrders = orderRows.rows.filter((r) => Number(r.amount).toFixed(2) !== orders.get(r.key)?.toFixed(2)).slice(0, 5);
    expect(lostOrders).toEqual([]);
    expect(orderRows.rows.length).toBe(orders.size);
    const [type] = (await owner.query<{ type: string }>(
      `SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = '"Shop".orders'::regclass AND attname = 'amount'`,
    )).rows;
    expect(type!.type).toBe(shape === 'new' ? 'numeric(12,2)' : 'text');
    // The views over views still answer, over whatever the column is called now.
    const joined = await owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM "accountOrders"`);
    expect(joined.rows[0]!.n).toBe(orders.size);
  }

  it('refuses at plan a view over a column the migration replaces, naming the view', async () => {
    const owner = await connect('owner', 'Shop');
    await owner.query(`CREATE VIEW "Shop"."orderAmounts" AS SELECT region, id, amount FROM "Shop".orders`);
    await expect(midair.plan(amounts)).rejects.toThrow(/orderAmounts/);
    await owner.query(`DROP VIEW "Shop"."orderAmounts"`);
  });

  it(`runs two interleaved migrations under writes from both releases and loses no write (${ending})`, async () => {
    const before = { catalog: await catalogSnapshot(midair.db), dump: await schemaDump(database.url) };
    const oldWriters = oldReleaseWriters(await connect('app', 'Shop', 'eu'), await connect('app', 'Shop', 'eu'));
    oldWriters.forEach((w) => w.start());

    await midair.start(amounts);
    await midair.start(contacts);
    const searchPath = await midair.latestSearchPath();
    expect(searchPath).toBe('Shop_contacts,Shop_amounts,Shop');
    const newAccounts = await connect('app', searchPath, 'us');
    // Row-level security holds for the application role through the new shape.
    expect((await newAccounts.query(`SELECT count(*)::int AS n FROM orders WHERE region = 'eu'`)).rows[0].n).toBe(0);
    const newWriters = newReleaseWriters(newAccounts, await connect('app', searchPath, 'us'));
    newWriters.forEach((w) => w.start());

    await Promise.all([midair.backfill({ migration: 'amounts' }), midair.backfill({ migration: 'contacts' })]);
    expect(await midair.verify('amounts')).toMatchObject({ mismatches: 0, unsynced: 0 });
    expect(await midair.verify('contacts')).toMatchObject({ mismatches: 0, unsynced: 0 });

    if (ending === 'complete') {
      // The old release is gone before complete drops its columns; the new one writes on.
      await Promise.all(oldWriters.map((w) => w.stop()));
      expect(await midair.verify('amounts')).toMatchObject({ mismatches: 0, unsynced: 0 });
      await midair.complete('amounts');
      expect(await midair.verify('contacts')).toMatchObject({ mismatches: 0, unsynced: 0 });
      await midair.complete('contacts');
      await Promise.all(newWriters.map((w) => w.stop()));
      await expectLedgerHeld('new');
      // The index created on the retyped column is on the final column, built on every partition.
      const owner = await connect('owner', 'Shop');
      const indexes = await owner.query(
        `SELECT pg_get_indexdef(indexrelid) AS def, indisvalid AS valid FROM pg_index WHERE indexrelid IN ('"ordersByAccount"'::regclass, '"orders_EU_ordersByAccount"'::regclass, '"orders_US_ordersByAccount"'::regclass) ORDER BY indexrelid::regclass::text COLLATE "C"`,
      );
      expect(indexes.rows).toEqual([
        { def: 'CREATE INDEX "ordersByAccount" ON ONLY "Shop".orders USING btree ("accountId", amount)', valid: true },
        { def: 'CREATE INDEX "orders_EU_ordersByAccount" ON "Shop"."orders_EU" USING btree ("accountId", amount)', valid: true },
        { def: 'CREATE INDEX "orders_US_ordersByAccount" ON "Shop"."orders_US" USING btree ("accountId", amount)', valid: true },
      ]);
    } else {
      // The new release is gone before rollback drops its views; the old one writes on.
      await Promise.all(newWriters.map((w) => w.stop()));
      await midair.rollback('contacts');
      await midair.rollback('amounts');
      await Promise.all(oldWriters.map((w) => w.stop()));
      expect(await catalogSnapshot(midair.db)).toEqual(before.catalog);
      expect(await schemaDump(database.url)).toBe(before.dump);
      await expectLedgerHeld('old');
    }
  });
});
