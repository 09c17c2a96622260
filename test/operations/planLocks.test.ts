import { describe, expect, it } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { resetTarget } from '../support/resetTarget.js';

const USERS = `CREATE TABLE users (id serial PRIMARY KEY, email text, age integer CONSTRAINT users_age_check CHECK (age > 0));
CREATE INDEX users_email_idx ON users (email);`;

/** What plan shows for operations whose whole work is at complete: the phase, the statement and its lock. */
describe('postgres: plan shows the complete-time steps with their locks', () => {
  const fixture = resetTarget('postgres', 'plan_locks', USERS);

  it('dropIndex: nothing at start, DROP INDEX CONCURRENTLY after contract, nothing to undo', async () => {
    const plan = await fixture.midair.plan(defineMigration({ name: 'drop_email_idx', operations: [op.dropIndex({ table: 'users', name: 'users_email_idx' })] }));
    expect(plan.expandOnline).toEqual([]);
    expect(plan.contractOnline).toEqual([{ sql: 'DROP INDEX CONCURRENTLY IF EXISTS "public"."users_email_idx"', lock: 'SHARE UPDATE EXCLUSIVE (reads and writes go on)' }]);
    expect(plan.contract.filter((s) => /users_email_idx/.test(s.sql))).toEqual([]);
    expect(plan.rollback.filter((s) => /users_email_idx/.test(s.sql))).toEqual([]);
  });

  it('renameConstraint: nothing at start, RENAME CONSTRAINT in the contract transaction, nothing to undo', async () => {
    const plan = await fixture.midair.plan(defineMigration({ name: 'rename_age', operations: [op.renameConstraint({ table: 'users', from: 'users_age_check', to: 'users_age_positive' })] }));
    expect([...plan.expand, ...plan.expandOnline].filter((s) => /users_age/.test(s.sql))).toEqual([]);
    expect(plan.contract.filter((s) => /users_age/.test(s.sql))).toEqual([
      { sql: 'ALTER TABLE "public"."users" RENAME CONSTRAINT "users_age_check" TO "users_age_positive"', lock: 'ACCESS EXCLUSIVE, catalog only' },
    ]);
    expect(plan.rollback.filter((s) => /users_age/.test(s.sql))).toEqual([]);
  });

  it('op.sql: up in expand, onComplete in contract between the other operations\' steps, both raw with an unknown hold; no down, nothing to undo', async () => {
    const { plan, estimate } = await fixture.midair.estimate(defineMigration({
      name: 'raw_between',
      operations: [
        op.renameConstraint({ table: 'users', from: 'users_age_check', to: 'users_age_positive' }),
        op.sql({ up: 'CREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', onComplete: 'DROP FUNCTION one()' }),
        op.dropColumn({ table: 'users', column: 'email' }),
      ],
    }), { sample: false });
    const raw = { lock: 'whatever the statement takes (raw SQL)', raw: true };
    expect(plan.expand.filter((s) => s.raw)).toEqual([{ sql: 'CREATE FUNCTION one() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', ...raw }]);
    expect(plan.contract.map((s) => s.sql).filter((sql) => /users_age|one\(\)|DROP COLUMN/.test(sql))).toEqual([
      'ALTER TABLE "public"."users" RENAME CONSTRAINT "users_age_check" TO "users_age_positive"',
      'DROP FUNCTION one()',
      'ALTER TABLE "public"."users" DROP COLUMN "email"',
    ]);
    expect(plan.rollback.filter((s) => s.raw)).toEqual([]);
    const onComplete = plan.contract.findIndex((s) => s.sql === 'DROP FUNCTION one()') + 1;
    expect(estimate.steps.find((e) => e.phase === 'contract' && e.step === onComplete)).toMatchObject({ held: 'unknown', seconds: null });
  });

  it('a unique constraint with INCLUDE: built concurrently at start, attached as the constraint in contract, dropped concurrently on rollback', async () => {
    const plan = await fixture.midair.plan(defineMigration({ name: 'email_key', operations: [op.addConstraint({ table: 'users', name: 'users_email_key', unique: ['email'], include: ['age'], nullsNotDistinct: true })] }));
    const online = 'SHARE UPDATE EXCLUSIVE (reads and writes go on)';
    expect(plan.expandOnline).toEqual([{
      sql: 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_email_key" ON "public"."users" ("email") INCLUDE ("age") NULLS NOT DISTINCT',
      lock: online, index: 'users_email_key', scans: { table: 'users', work: 'index build', columns: ['email', 'age'] },
    }]);
    expect(plan.contract.filter((s) => /users_email_key/.test(s.sql))).toEqual([
      { sql: 'ALTER TABLE "public"."users" ADD CONSTRAINT "users_email_key" UNIQUE USING INDEX "users_email_key"', lock: 'ACCESS EXCLUSIVE, catalog only' },
    ]);
    expect(plan.rollbackOnline).toEqual([{ sql: 'DROP INDEX CONCURRENTLY IF EXISTS "public"."users_email_key"', lock: online }]);
  });

  it('an exclusion constraint comes with its new table in the expand transaction, and nothing runs online', async () => {
    const plan = await fixture.midair.plan(defineMigration({
      name: 'slots',
      operations: [op.createTable({ name: 'slots', columns: [{ name: 'id', type: 'integer' }, { name: 'during', type: 'int4range' }], primaryKey: ['id'], exclusions: [{ name: 'slots_no_overlap', elements: [{ column: 'during', operator: '&&' }] }] })],
    }));
    expect(plan.expand.filter((s) => s.sql.startsWith('CREATE TABLE'))).toEqual([{
      sql: 'CREATE TABLE "public"."slots" (\n  "id" integer,\n  "during" int4range,\n  PRIMARY KEY ("id"),\n  CONSTRAINT "slots_no_overlap" EXCLUDE USING gist ("during" WITH &&)\n)',
      lock: 'none on existing tables',
    }]);
    expect(plan.expandOnline).toEqual([]);
  });
});

describe('postgres: plan shows how a primary key is added and changed online, with the locks', () => {
  const fixture = resetTarget('postgres', 'plan_locks_pk', `CREATE TABLE events (tenant_id integer NOT NULL, seq integer);
    CREATE TABLE accounts (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, tenant_id integer);`);
  const ONLINE = 'SHARE UPDATE EXCLUSIVE (reads and writes go on)';
  const CATALOG = 'ACCESS EXCLUSIVE, catalog only';

  it('addConstraint primaryKey: index built concurrently, NOT NULL proved online, the index attached as the key in contract', async () => {
    const plan = await fixture.midair.plan(defineMigration({ name: 'events_key', operations: [op.addConstraint({ table: 'events', name: 'events_pkey', primaryKey: ['tenant_id', 'seq'] })] }));
    const t = '"public"."events"';
    expect(plan.expand).toContainEqual({ sql: `ALTER TABLE ${t} ADD CONSTRAINT "events_seq_not_null_check" CHECK ("seq" IS NOT NULL) NOT VALID`, lock: CATALOG });
    expect(plan.expandOnline).toEqual([
      { sql: `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "events_pkey" ON ${t} ("tenant_id", "seq")`, lock: ONLINE, index: 'events_pkey', scans: { table: 'events', work: 'index build', columns: ['tenant_id', 'seq'] } },
    ]);
    expect(plan.validate).toEqual([{ sql: `ALTER TABLE ${t} VALIDATE CONSTRAINT "events_seq_not_null_check"`, lock: ONLINE, scans: { table: 'events', work: 'validation' } }]);
    expect(plan.contract.filter((s) => /events/.test(s.sql))).toEqual([
      { sql: `ALTER TABLE ${t} ALTER COLUMN "seq" SET NOT NULL`, lock: 'ACCESS EXCLUSIVE, no scan (proved by the validated check)' },
      { sql: `ALTER TABLE ${t} DROP CONSTRAINT "events_seq_not_null_check"`, lock: CATALOG },
      { sql: `ALTER TABLE ${t} ADD CONSTRAINT "events_pkey" PRIMARY KEY USING INDEX "events_pkey"`, lock: CATALOG },
    ]);
    expect(plan.rollbackOnline).toEqual([{ sql: 'DROP INDEX CONCURRENTLY IF EXISTS "public"."events_pkey"', lock: ONLINE }]);
    expect(plan.rollback).toContainEqual({ sql: `ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS "events_seq_not_null_check"`, lock: CATALOG });
    expect(plan.warnings).toContain('operation 1 (addConstraint): the primary key "events_pkey" holds for old-release writes from start on: a duplicate or a NULL in (tenant_id, seq) is refused');
  });

  it('setPrimaryKey: the new index under a name of its own until contract, which drops the old key (and its index) and renames the new one', async () => {
    const plan = await fixture.midair.plan(defineMigration({ name: 'tenant_key', operations: [op.setPrimaryKey({ table: 'accounts', columns: ['tenant_id', 'id'] })] }));
    const t = '"public"."accounts"';
    expect(plan.expandOnline.map((s) => [s.sql, s.lock])).toEqual([[`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "_midair_new_accounts_pkey" ON ${t} ("tenant_id", "id")`, ONLINE]]);
    expect(plan.contract.filter((s) => /accounts/.test(s.sql))).toEqual([
      { sql: `ALTER TABLE ${t} ALTER COLUMN "tenant_id" SET NOT NULL`, lock: 'ACCESS EXCLUSIVE, no scan (proved by the validated check)' },
      { sql: `ALTER TABLE ${t} DROP CONSTRAINT "accounts_tenant_id_not_null_check"`, lock: CATALOG },
      { sql: `ALTER TABLE ${t} DROP CONSTRAINT "accounts_pkey"`, lock: `${CATALOG}; drops the old key's index "accounts_pkey"` },
      { sql: `ALTER TABLE ${t} ADD CONSTRAINT "accounts_pkey" PRIMARY KEY USING INDEX "_midair_new_accounts_pkey"`, lock: `${CATALOG}; renames index "_midair_new_accounts_pkey" to "accounts_pkey"` },
    ]);
    expect(plan.rollbackOnline).toEqual([{ sql: 'DROP INDEX CONCURRENTLY IF EXISTS "public"."_midair_new_accounts_pkey"', lock: ONLINE }]);
  });
});
