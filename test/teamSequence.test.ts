import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createMidair, defineMigration, op, type Midair, type Migration } from '../src/index.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';
import { constraintsOf, indexesOf } from './support/operationCase.js';
import { ReleaseClients } from './support/releaseClients.js';
import { WriteLoop } from './support/writeLoop.js';

/**
 * The sequence of changes a team makes over months, the one that first showed what Midair could
 * not express: tables with identity keys and constraints named by the team, index options, dropping
 * and renaming constraints, comments, a new primary key, replica identity for logical replication,
 * an enum evolved without downtime and a raw SQL step at complete. Each migration runs to complete
 * while an old-release and a new-release client write; the team's names must come out exactly.
 */
const MIGRATIONS: Migration[] = [
  defineMigration({
    name: 'accounts_and_orders',
    operations: [
      op.createEnum({ name: 'plan', values: ['free', 'pro'] }),
      op.createTable({
        name: 'accounts',
        comment: 'one row per customer',
        columns: [
          { name: 'id', type: 'bigint', identity: 'always' },
          { name: 'email', type: 'text', nullable: false, collation: 'C', comment: 'login, compared bytewise' },
          { name: 'plan', type: 'plan', nullable: false, default: "'free'" },
        ],
        primaryKey: { columns: ['id'], name: 'accounts_pk' },
        constraints: [{ name: 'accounts_email_unique', unique: ['email'] }],
      }),
      op.createTable({
        name: 'orders',
        columns: [
          { name: 'id', type: 'bigint', identity: 'byDefault' },
          { name: 'account_id', type: 'bigint', nullable: false, references: { table: 'accounts', column: 'id', name: 'orders_account_fk', onDelete: 'CASCADE', deferrable: true } },
          { name: 'amount_cents', type: 'integer', nullable: false, check: { expression: 'amount_cents >= 0', name: 'orders_amount_nonneg' } },
        ],
        primaryKey: { columns: ['id'], name: 'orders_pk' },
      }),
    ],
  }),
  defineMigration({
    name: 'order_indexes',
    operations: [
      op.createIndex({ table: 'orders', name: 'orders_by_account', columns: ['account_id', { column: 'id', order: 'desc' }], include: ['amount_cents'], with: { fillfactor: 90 } }),
      op.createIndex({ table: 'accounts', name: 'accounts_email_lower_key', columns: [{ expression: 'lower(email)' }], unique: true }),
    ],
  }),
  defineMigration({
    name: 'tidy_constraints',
    operations: [
      op.dropConstraint({ table: 'accounts', name: 'accounts_email_unique' }),
      op.renameConstraint({ table: 'orders', from: 'orders_amount_nonneg', to: 'orders_amount_check' }),
      op.setComment({ table: 'orders', comment: 'what customers bought' }),
    ],
  }),
  defineMigration({ name: 'orders_by_tenant', operations: [op.setPrimaryKey({ table: 'orders', columns: ['account_id', 'id'] })] }),
  defineMigration({
    name: 'plan_team',
    operations: [
      op.createEnum({ name: 'plan_v2', values: ['free', 'pro', 'team'] }),
      // The old release knows no "team": it sees such an account as "pro" until complete.
      op.alterColumn({ table: 'accounts', column: 'plan', type: 'plan_v2', down: `(CASE plan WHEN 'team' THEN 'pro' ELSE plan::text END)::plan` }),
    ],
  }),
  defineMigration({
    name: 'replication',
    operations: [op.dropEnum({ name: 'plan' }), op.setReplicaIdentity({ table: 'orders', identity: { index: 'orders_pk' } }), op.setReplicaIdentity({ table: 'accounts', identity: 'full' })],
  }),
  defineMigration({
    name: 'archived_orders',
    operations: [
      op.addColumn({ table: 'orders', column: { name: 'archived', type: 'boolean', nullable: false, default: 'false' } }),
      op.sql({ onComplete: `COMMENT ON COLUMN orders.archived IS 'set by the nightly job'` }),
    ],
  }),
];

const ACCOUNTS = 50;

describe('a team\'s sequence of schema changes, each under writes from both releases (real PostgreSQL)', () => {
  let database: TestDatabase;
  let midair: Midair;
  /** orders:<id> → amount_cents, accounts:<id> → plan: the value each acknowledged write left. */
  const ledger = new Map<string, string>();

  const clients = new ReleaseClients(() => database.url);
  const client = (searchPath?: string) => clients.connect(searchPath);

  /** A release's client: inserts orders and changes plans of its own half of the accounts. */
  function writer(c: pg.Client, release: 'old' | 'new'): WriteLoop {
    const firstAccount = release === 'old' ? 1 : ACCOUNTS / 2 + 1;
    return new WriteLoop(async (i) => {
      const account = firstAccount + (i % (ACCOUNTS / 2));
      if (i % 2 === 0) {
        const amount = String((i * 37) % 10_000);
        const { rows } = await c.query<{ id: string }>(`INSERT INTO orders (account_id, amount_cents) VALUES ($1, $2) RETURNING id::text`, [account, amount]);
        ledger.set(`orders:${rows[0]!.id}`, amount);
      } else {
        const plan = i % 4 === 1 ? 'pro' : 'free';
        const { rowCount } = await c.query(`UPDATE accounts SET plan = $2 WHERE id = $1`, [account, plan]);
        if (rowCount !== 1) return false;
        ledger.set(`accounts:${account}`, plan);
      }
      return true;
    });
  }

  beforeAll(async () => {
    database = await freshDatabase('team_sequence');
    midair = await createMidair({ database: database.url });
  });

  afterAll(async () => {
    await midair?.close();
    await clients.endAll();
    await database?.drop();
  });

  it('runs every migration to complete, loses no write, and leaves exactly the names the team chose', async () => {
    const [first, ...rest] = MIGRATIONS;
    await midair.start(first!);
    await midair.complete();
    const admin = await client();
    await admin.query(`INSERT INTO accounts (email) SELECT 'user' || i || '@x.io' FROM generate_series(1, ${ACCOUNTS}) i;
      INSERT INTO orders (account_id, amount_cents) SELECT 1 + i % ${ACCOUNTS}, i FROM generate_series(1, 500) i`);

    for (const migration of rest) {
      const old = writer(await client(), 'old');
      old.start();
      await midair.start(migration);
      const next = writer(await client(await midair.latestSearchPath()), 'new');
      next.start();
      await midair.backfill();
      expect(await midair.verify(), migration.name).toMatchObject({ mismatches: 0, unsynced: 0 });
      // The old release is gone before complete; the new one writes on through it.
      await old.stop();
      expect(await midair.complete(), migration.name).toMatchObject({ stage: 'complete' });
      await next.stop();
    }

    const actual = new Map<string, string>([
      ...(await admin.query<{ id: string; amount: string }>(`SELECT id::text, amount_cents::text AS amount FROM orders`)).rows.map((r) => [`orders:${r.id}`, r.amount] as const),
      ...(await admin.query<{ id: string; plan: string }>(`SELECT id::text, plan::text FROM accounts`)).rows.map((r) => [`accounts:${r.id}`, r.plan] as const),
    ]);
    expect([...ledger].filter(([key, value]) => actual.get(key) !== value).slice(0, 5)).toEqual([]);
    expect(ledger.size).toBeGreaterThan(rest.length * 20);

    const old = { query: async <R>(sql: string, params?: unknown[]) => (await admin.query(sql, params)).rows as R[] };
    expect(await constraintsOf(old, 'accounts')).toEqual(['accounts_pk PRIMARY KEY (id)']);
    expect(await constraintsOf(old, 'orders')).toEqual([
      'orders_account_fk FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE DEFERRABLE',
      'orders_amount_check CHECK ((amount_cents >= 0))',
      'orders_pk PRIMARY KEY (account_id, id)',
    ]);
    expect(await indexesOf(old, 'accounts')).toEqual([
      'CREATE UNIQUE INDEX accounts_email_lower_key ON public.accounts USING btree (lower(email))',
      'CREATE UNIQUE INDEX accounts_pk ON public.accounts USING btree (id)',
    ]);
    expect(await indexesOf(old, 'orders')).toEqual([
      // PostgreSQL shows a storage parameter's value quoted.
      "CREATE INDEX orders_by_account ON public.orders USING btree (account_id, id DESC) INCLUDE (amount_cents) WITH (fillfactor='90')",
      'CREATE UNIQUE INDEX orders_pk ON public.orders USING btree (account_id, id)',
    ]);
    expect((await admin.query(`
      SELECT obj_description('accounts'::regclass, 'pg_class') AS accounts, obj_description('orders'::regclass, 'pg_class') AS orders,
             col_description('accounts'::regclass, 2) AS email, col_description('orders'::regclass, 4) AS archived,
             (SELECT collname FROM pg_collation co JOIN pg_attribute a ON a.attcollation = co.oid WHERE a.attrelid = 'accounts'::regclass AND a.attname = 'email') AS collation,
             (SELECT string_agg(relname || '=' || relreplident::text, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('accounts', 'orders') AND relkind = 'r') AS identity,
             (SELECT relname FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid WHERE indrelid = 'orders'::regclass AND indisreplident) AS identity_index,
             (SELECT string_agg(typname, ',' ORDER BY typname) FROM pg_type WHERE typname IN ('plan', 'plan_v2')) AS enums,
             format_type(atttypid, atttypmod) AS plan_type
        FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'plan'`)).rows).toEqual([{
      accounts: 'one row per customer', orders: 'what customers bought', email: 'login, compared bytewise', archived: 'set by the nightly job',
      collation: 'C', identity: 'accounts=f,orders=i', identity_index: 'orders_pk', enums: 'plan_v2', plan_type: 'plan_v2',
    }]);
  });
});
