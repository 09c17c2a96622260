import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMidair, defineMigration, op, type Midair, type Migration } from '../src/index.js';
import { compile } from '../src/migration/compile.js';
import type { Catalog } from '../src/catalog/read.js';
import { splitName } from './support/backfillFixture.js';
import { dropRole, freshDatabase } from './support/databases.js';
import { createTenantAccounts } from './support/tenantAccounts.js';
import { openTarget, type Target } from './support/targets.js';

const users = {
  name: 'users',
  columns: [
    { name: 'id', type: 'integer', nullable: false, default: null },
    { name: 'name', type: 'text', nullable: true, default: null },
    { name: 'email', type: 'text', nullable: true, default: null },
  ],
  indexes: [],
  key: ['id'],
};
const catalog: Catalog = { schema: 'public', serverVersion: 150000, tables: [users] };

describe('compiling a lazy migration', () => {
  it('leaves a migration that is not lazy as it was: plain views, no write trigger', () => {
    const { plan } = compile(splitName, catalog);
    const view = plan.expand.find((s) => s.sql.startsWith('CREATE VIEW'))!.sql;
    expect(view).toBe('CREATE VIEW "public_split"."users" WITH (security_invoker = true) AS SELECT "id", "email", "first_name", "last_name" FROM "public"."users"');
    expect(plan.expand.some((s) => s.sql.includes('lazy_write'))).toBe(false);
    expect(plan.contract.some((s) => s.sql.includes('lazy_write'))).toBe(false);
  });

  it('upcasts the new columns of rows not migrated yet, and writes them through an INSTEAD OF trigger', () => {
    const { plan } = compile({ ...splitName, lazy: true }, catalog);
    const view = plan.expand.find((s) => s.sql.startsWith('CREATE VIEW'))!.sql;
    expect(view).toContain(`CASE WHEN "_midair_source" IS NULL THEN CAST((split_part(name, ' ', 1)) AS text) ELSE "first_name" END AS "first_name"`);
    expect(plan.expand.some((s) => /INSTEAD OF INSERT OR UPDATE OR DELETE ON "public_split"."users"/.test(s.sql))).toBe(true);
    expect(plan.expand.find((s) => s.sql.includes('FUNCTION midair."lazy_write_split_users"'))!.sql).toContain('SECURITY INVOKER');
  });

  it('refuses a volatile default for existing rows: every read would show another value', () => {
    const migration: Migration = defineMigration({ name: 'm', lazy: true, operations: [op.addColumn({ table: 'users', column: { name: 'seen', type: 'timestamptz', default: 'now()' } })] });
    expect(() => compile(migration, catalog)).toThrow(/operation 1 \(addColumn\): a lazy migration cannot give existing rows of "users" the volatile default now\(\)/);
    expect(() => compile({ ...migration, lazy: false }, catalog)).not.toThrow();
  });

  it('refuses a table without a key: its rows could not be written by key', () => {
    expect(() => compile({ ...splitName, lazy: true }, { ...catalog, tables: [{ ...users, key: [] }] })).toThrow(/table "users" has no primary key/);
  });
});

// One life cycle, in order (never shuffled): the progress each step checks counts the rows the
// steps before it moved. The embedded database is opened once, which is what costs time here.
describe('lazy migration on the embedded database (PGlite)', { shuffle: false }, () => {
  let target: Target;
  let midair: Midair;

  beforeAll(async () => {
    target = await openTarget('embedded', 'lazy_embedded');
    midair = target.midair();
    await target.db.exec(`
      CREATE TABLE users (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text, email text);
      INSERT INTO users (name, email) SELECT 'Ann ' || g, 'u' || g FROM generate_series(1, 50) g;
      CREATE TABLE visits (user_id int, day int, note text, PRIMARY KEY (user_id, day));
      INSERT INTO visits SELECT g, 1, 'n' || g FROM generate_series(1, 20) g;`);
    await midair.start(
      defineMigration({
        name: 'split',
        lazy: true,
        operations: [
          ...splitName.operations,
          op.addColumn({ table: 'visits', column: { name: 'note_upper', type: 'text' }, up: 'upper(note)' }),
        ],
      }),
    );
  });

  afterAll(async () => {
    await target?.close();
  });

  it('reads rows not migrated yet and writes through the new shape', async () => {
    const next = await target.shape('public_split,public');
    expect(await next.query('SELECT first_name, last_name FROM users WHERE id = 7')).toEqual([{ first_name: 'Ann', last_name: '7' }]);
    expect(await next.query(`INSERT INTO users (first_name, last_name) VALUES ('Ada', 'Lovelace') RETURNING id, first_name`)).toEqual([{ id: 51, first_name: 'Ada' }]);
    expect(await next.query(`UPDATE users SET last_name = 'Byron' WHERE id = 8 RETURNING first_name, last_name`)).toEqual([{ first_name: 'Ann', last_name: 'Byron' }]);
    expect(await next.query(`DELETE FROM users WHERE id = 9 RETURNING last_name`)).toEqual([{ last_name: '9' }]);
    expect(await next.query(`SELECT note_upper FROM visits WHERE user_id = 3`)).toEqual([{ note_upper: 'N3' }]);
    const old = await target.old();
    expect(await old.query('SELECT name, _midair_source AS s FROM users WHERE id IN (7, 8, 51) ORDER BY id')).toEqual([
      { name: 'Ann 7', s: null },
      { name: 'Ann Byron', s: 'n' },
      { name: 'Ada Lovelace', s: 'n' },
    ]);
  });

  it('migrates rows by key and refuses keys for a composite key', async () => {
    expect(await midair.migrateRows({ table: 'users', keys: ['1', '2', '8'] })).toMatchObject({ moved: 2, keys: { given: 3, found: 3, alreadyMigrated: 1 } });
    await expect(midair.migrateRows({ table: 'visits', keys: ['1'] })).rejects.toThrow(/table "visits" has a composite key \(user_id, day\), so keys cannot name its rows/);
    expect(await midair.migrateRows({ table: 'visits', where: 'user_id <= 5 AND day = 1' })).toMatchObject({ moved: 5 });
    await expect(midair.migrateRows({ keys: ['1'] })).rejects.toThrow(/migrates rows of several tables: "users", "visits"/);
  });

  it('shows progress, backfills the rest, verifies and completes', async () => {
    const lazy = (await midair.status()).active[0]!.lazy!;
    expect(lazy.map((t) => [t.table, t.migrated, t.total, t.movedNaturally, t.movedByMidair])).toEqual([
      ['users', 4, 50, 2, 2],
      ['visits', 5, 20, 0, 5],
    ]);
    expect((await midair.verify()).unsynced).toBe(46 + 15);
    await midair.backfill();
    expect(await midair.verify()).toMatchObject({ mismatches: 0, unsynced: 0 });
    await midair.complete();
    const next = await target.shape('public_split,public');
    expect(await next.query('SELECT first_name, last_name FROM users WHERE id = 7')).toEqual([{ first_name: 'Ann', last_name: '7' }]);
  });
});

/**
 * A non-owner role with a tenant policy: the lazy view and its write trigger apply the policy as
 * a write of the table would (they run with the caller's rights), for rows migrated or not.
 */
describe('row-level security through a lazy view (real PostgreSQL)', () => {
  const role = `midair_lazy_rls_${process.pid}`;
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let midair: Midair;
  let app: pg.Client;

  beforeAll(async () => {
    database = await freshDatabase('lazy_rls');
    await createTenantAccounts(database.url, role, 2000);
    midair = await createMidair({ database: database.url });
    await midair.start(
      defineMigration({ name: 'cents', lazy: true, operations: [op.addColumn({ table: 'accounts', column: { name: 'balance_cents', type: 'bigint' }, up: 'balance * 100' })] }),
    );
    const url = new URL(database.url);
    url.username = role;
    app = new pg.Client(url.toString());
    await app.connect();
    await app.query(`SET app.tenant = 't1'; SET search_path = public_cents, public`);
  });

  afterAll(async () => {
    await app?.end();
    await midair?.close();
    await database?.drop();
    await dropRole(role);
  });

  it("shows the role only its tenant's rows, upcast", async () => {
    expect((await app.query(`SELECT count(*)::int AS n, sum(balance_cents)::bigint = sum(balance)::bigint * 100 AS right FROM accounts`)).rows).toEqual([{ n: 500, right: true }]);
  });

  it("keeps the role from changing, deleting or creating another tenant's rows through the trigger", async () => {
    expect((await app.query(`UPDATE accounts SET balance_cents = 0 WHERE tenant = 't2'`)).rowCount).toBe(0);
    expect((await app.query(`DELETE FROM accounts WHERE id = 2`)).rowCount).toBe(0);
    await expect(app.query(`INSERT INTO accounts (id, tenant, balance, balance_cents) VALUES (3001, 't2', 1, 100)`)).rejects.toThrow(/row-level security/);
    // Moving its own row to another tenant breaks the policy's WITH CHECK as a plain UPDATE would.
    await expect(app.query(`UPDATE accounts SET tenant = 't2' WHERE id = 1`)).rejects.toThrow(/row-level security/);
    expect((await app.query(`UPDATE accounts SET balance_cents = 700 WHERE id = 1 RETURNING balance, balance_cents`)).rows).toEqual([{ balance: 1, balance_cents: '700' }]);
    expect((await app.query(`INSERT INTO accounts (id, tenant, balance, balance_cents) VALUES (3002, 't1', 5, 500) RETURNING id`)).rows).toEqual([{ id: 3002 }]);
    const [other] = (await midair.db.query<{ balance_cents: string | null }>(`SELECT balance_cents FROM public.accounts WHERE id = 2`));
    expect(other).toEqual({ balance_cents: null });
  });
});
