import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createMidair, defineMigration, op, type Midair } from '../src/index.js';
import { compile } from '../src/migration/compile.js';
import { dropRole, freshDatabase } from './support/databases.js';
import { createTenantAccounts } from './support/tenantAccounts.js';

/**
 * Row-level security holds on every path: a non-owner application role sees and writes only its
 * tenant's rows through the plain table and through the version schema's views alike, and
 * Midair's own backfill and verify never skip rows a policy would hide from them.
 */
describe('row-level security through the version schema (real PostgreSQL)', () => {
  const role = `midair_rls_app_${process.pid}`;
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let midair: Midair;
  let app: pg.Client;

  beforeAll(async () => {
    database = await freshDatabase('rls');
    await createTenantAccounts(database.url, role, 20000);
    midair = await createMidair({ database: database.url });
    await midair.start(
      defineMigration({
        name: 'cents',
        operations: [op.addColumn({ table: 'accounts', column: { name: 'balance_cents', type: 'bigint' }, up: 'balance * 100' })],
      }),
    );
    await midair.backfill();
    const url = new URL(database.url);
    url.username = role;
    app = new pg.Client(url.toString());
    await app.connect();
    await app.query(`SET app.tenant = 't1'`);
  });

  afterAll(async () => {
    await app?.end();
    await midair?.close();
    await database?.drop();
    await dropRole(role);
  });

  it('backfills and verifies every row, including those no policy shows the application', async () => {
    expect(await midair.verify()).toMatchObject({ rowsChecked: 20000, mismatches: 0, unsynced: 0 });
  });

  it('shows the role only its tenant through the plain table and through the new shape', async () => {
    const plain = await app.query(`SELECT count(*)::int AS n FROM public.accounts`);
    const shaped = await app.query(`SELECT count(*)::int AS n FROM public_cents.accounts`);
    expect(plain.rows[0].n).toBe(5000);
    expect(shaped.rows[0].n).toBe(5000);
  });

  it("keeps the role from changing or creating another tenant's rows through the new shape", async () => {
    await app.query(`SET search_path = public_cents, public`);
    try {
      const other = await app.query(`UPDATE accounts SET balance_cents = 0 WHERE tenant = 't2'`);
      expect(other.rowCount).toBe(0);
      await expect(app.query(`INSERT INTO accounts (id, tenant, balance, balance_cents) VALUES (30001, 't2', 1, 100)`)).rejects.toThrow(/row-level security/);
      const own = await app.query(`UPDATE accounts SET balance_cents = 700 WHERE id = 1`);
      expect(own.rowCount).toBe(1);
    } finally {
      await app.query(`SET search_path = public`);
    }
    const { rows } = await app.query(`SELECT balance, balance_cents FROM accounts WHERE id = 1`);
    expect(rows[0]).toEqual({ balance: 1, balance_cents: '700' });
  });
});

describe('row-level security on PostgreSQL 14', () => {
  const table = { name: 'accounts', columns: [{ name: 'id', type: 'integer', nullable: false, default: null }], indexes: [], key: ['id'] };
  const migration = defineMigration({ name: 'm', operations: [op.addColumn({ table: 'accounts', column: { name: 'note', type: 'text' } })] });

  it('refuses when a table uses row-level security, since its views could not apply the policies', () => {
    expect(() => compile(migration, { schema: 'public', serverVersion: 140011, tables: [{ ...table, rowSecurity: true }] })).toThrow(/row-level security.*PostgreSQL 14/);
  });

  it('makes plain views when no table uses it', () => {
    const { plan } = compile(migration, { schema: 'public', serverVersion: 140011, tables: [table] });
    expect(plan.expand.some((s) => s.sql.startsWith('CREATE VIEW') && !s.sql.includes('security_invoker'))).toBe(true);
  });
});
