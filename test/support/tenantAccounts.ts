import pg from 'pg';

/**
 * A multi-tenant table under row-level security and a non-owner application role that sees only
 * the tenant named by the `app.tenant` setting: `accounts(id, tenant, balance)`, tenants t0..t3.
 */
export async function createTenantAccounts(url: string, role: string, rows: number): Promise<void> {
  const admin = new pg.Client(url);
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.query(`
      CREATE ROLE ${role} LOGIN;
      CREATE TABLE accounts (id int PRIMARY KEY, tenant text NOT NULL, balance int NOT NULL);
      INSERT INTO accounts SELECT i, 't' || (i % 4), i FROM generate_series(1, ${rows}) i;
      ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation ON accounts USING (tenant = current_setting('app.tenant', true))
        WITH CHECK (tenant = current_setting('app.tenant', true));
      GRANT USAGE ON SCHEMA public TO ${role};
      GRANT SELECT, INSERT, UPDATE, DELETE ON accounts TO ${role};`);
  } finally {
    await admin.end();
  }
}
