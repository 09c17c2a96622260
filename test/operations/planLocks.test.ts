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

  it('alterColumn check replacing the column\'s check of that name: a temporary name until the old column goes in contract', async () => {
    const plan = await fixture.midair.plan(defineMigration({
      name: 'age_years',
      operations: [op.alterColumn({ table: 'users', column: 'age', name: 'years', check: { expression: 'years BETWEEN 1 AND 150', name: 'users_age_check' } })],
    }));
    expect(plan.expand.filter((s) => /CONSTRAINT/.test(s.sql))).toEqual([
      { sql: 'ALTER TABLE "public"."users" ADD CONSTRAINT "_midair_users_age_check" CHECK (years BETWEEN 1 AND 150) NOT VALID', lock: 'ACCESS EXCLUSIVE, catalog only' },
    ]);
    expect(plan.validate.map((s) => s.sql)).toEqual(['ALTER TABLE "public"."users" VALIDATE CONSTRAINT "_midair_users_age_check"']);
    expect(plan.contract.filter((s) => /"age"|users_age_check/.test(s.sql))).toEqual([
      { sql: 'ALTER TABLE "public"."users" DROP COLUMN "age"', lock: 'ACCESS EXCLUSIVE, catalog only' },
      { sql: 'ALTER TABLE "public"."users" RENAME CONSTRAINT "_midair_users_age_check" TO "users_age_check"', lock: 'ACCESS EXCLUSIVE, catalog only' },
    ]);
  });

  it('dropConstraint: nothing at start, DROP CONSTRAINT in the contract transaction (a foreign key locks both tables), nothing to undo', async () => {
    await fixture.target.db.exec('CREATE TABLE notes (id serial PRIMARY KEY, author integer CONSTRAINT notes_author_fkey REFERENCES users (id))');
    const plan = await fixture.midair.plan(defineMigration({
      name: 'drop_constraints',
      operations: [op.dropConstraint({ table: 'users', name: 'users_age_check' }), op.dropConstraint({ table: 'notes', name: 'notes_author_fkey' })],
    }));
    expect([...plan.expand, ...plan.expandOnline].filter((s) => /CONSTRAINT/.test(s.sql))).toEqual([]);
    expect(plan.contract.filter((s) => /DROP CONSTRAINT/.test(s.sql))).toEqual([
      { sql: 'ALTER TABLE "public"."users" DROP CONSTRAINT IF EXISTS "users_age_check"', lock: 'ACCESS EXCLUSIVE, catalog only' },
      { sql: 'ALTER TABLE "public"."notes" DROP CONSTRAINT IF EXISTS "notes_author_fkey"', lock: 'ACCESS EXCLUSIVE on both tables, catalog only' },
    ]);
    expect(plan.rollback.filter((s) => /users_age_check|notes_author_fkey/.test(s.sql))).toEqual([]);
  });

  it('dropConstraint with column and down: the copy at start, the constraint and the old column go in the contract transaction', async () => {
    const plan = await fixture.midair.plan(defineMigration({ name: 'free_age', operations: [op.dropConstraint({ table: 'users', name: 'users_age_check', column: 'age', down: 'greatest(age, 1)' })] }));
    expect(plan.expand.filter((s) => /ADD COLUMN "_midair_new_age"/.test(s.sql))).toEqual([{ sql: 'ALTER TABLE "public"."users" ADD COLUMN "_midair_new_age" integer', lock: 'ACCESS EXCLUSIVE, catalog only (no rewrite)' }]);
    // The dropped check is not copied onto the new column.
    expect([...plan.expand, ...plan.expandOnline, ...plan.validate].filter((s) => /CHECK/.test(s.sql))).toEqual([]);
    expect(plan.contract.filter((s) => /users_age_check|DROP COLUMN "age"/.test(s.sql))).toEqual([
      { sql: 'ALTER TABLE "public"."users" DROP CONSTRAINT IF EXISTS "users_age_check"', lock: 'ACCESS EXCLUSIVE, catalog only' },
      { sql: 'ALTER TABLE "public"."users" DROP COLUMN "age"', lock: 'ACCESS EXCLUSIVE, catalog only' },
    ]);
    expect(plan.sync[0]!.down).toEqual([{ column: 'age', expression: 'greatest(age, 1)', source: 'operation 1 (dropConstraint)' }]);
  });

  it('setReplicaIdentity: at start in the expand transaction, or right after the build of its index; rollback restores the one before', async () => {
    const full = await fixture.midair.plan(defineMigration({ name: 'users_full', operations: [op.setReplicaIdentity({ table: 'users', identity: 'full' })] }));
    expect(full.expand.filter((s) => /REPLICA/.test(s.sql))).toEqual([{ sql: 'ALTER TABLE "public"."users" REPLICA IDENTITY FULL', lock: 'ACCESS EXCLUSIVE, catalog only' }]);
    expect(full.rollback.filter((s) => /REPLICA/.test(s.sql))).toEqual([{ sql: 'ALTER TABLE "public"."users" REPLICA IDENTITY DEFAULT', lock: 'ACCESS EXCLUSIVE, catalog only' }]);
    await fixture.target.db.exec('ALTER TABLE users REPLICA IDENTITY FULL');
    const built = await fixture.midair.plan(defineMigration({
      name: 'users_by_id',
      operations: [op.createIndex({ table: 'users', columns: ['id'], name: 'users_id_key', unique: true }), op.setReplicaIdentity({ table: 'users', identity: { index: 'users_id_key' } })],
    }));
    expect(built.expand.filter((s) => /REPLICA/.test(s.sql))).toEqual([]);
    expect(built.expandOnline.map((s) => s.sql)).toEqual([
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "users_id_key" ON "public"."users" ("id")',
      'ALTER TABLE "public"."users" REPLICA IDENTITY USING INDEX "users_id_key"',
    ]);
    // The identity goes back before its index is dropped: in between, a published table would take no UPDATE or DELETE.
    expect(built.rollback.filter((s) => /REPLICA/.test(s.sql))).toEqual([]);
    expect(built.rollbackOnline).toEqual([
      { sql: 'ALTER TABLE "public"."users" REPLICA IDENTITY FULL', lock: 'ACCESS EXCLUSIVE, catalog only' },
      { sql: 'DROP INDEX CONCURRENTLY IF EXISTS "public"."users_id_key"', lock: 'SHARE UPDATE EXCLUSIVE (reads and writes go on)' },
    ]);
  });

  it('a column copy makes the copy of the replica identity\'s index the identity again at complete, unless setReplicaIdentity changes it', async () => {
    await fixture.target.db.exec(`ALTER TABLE users ALTER COLUMN email SET NOT NULL, ADD CONSTRAINT users_email_key UNIQUE (email);
      ALTER TABLE users REPLICA IDENTITY USING INDEX users_email_key`);
    const alter = op.alterColumn({ table: 'users', column: 'email', type: 'varchar(200)', up: 'email::varchar(200)', down: 'email::text' });
    const carried = await fixture.midair.plan(defineMigration({ name: 'email_varchar', operations: [alter] }));
    const contract = carried.contract.map((s) => s.sql);
    expect(contract.filter((sql) => /REPLICA/.test(sql))).toEqual(['ALTER TABLE "public"."users" REPLICA IDENTITY USING INDEX "users_email_key"']);
    // After the copy is NOT NULL and has its final name.
    expect(contract.findIndex((sql) => /REPLICA/.test(sql))).toBeGreaterThan(contract.findIndex((sql) => /RENAME COLUMN "_midair_new_email" TO "email"/.test(sql)));
    const changed = await fixture.midair.plan(defineMigration({ name: 'email_full', operations: [alter, op.setReplicaIdentity({ table: 'users', identity: 'full' })] }));
    expect(changed.contract.filter((s) => /REPLICA/.test(s.sql))).toEqual([]);
    expect(changed.expand.filter((s) => /REPLICA/.test(s.sql)).map((s) => s.sql)).toEqual(['ALTER TABLE "public"."users" REPLICA IDENTITY FULL']);
  });

  it('alterColumn identity: one catalog-only step at start under the lock it takes, ALWAYS and the sequence name at contract, the serial back on rollback', async () => {
    const plan = await fixture.midair.plan(defineMigration({ name: 'users_identity', operations: [op.alterColumn({ table: 'users', column: 'id', identity: 'always' })] }));
    const touching = (steps: { sql: string; lock: string }[]) => steps.filter((s) => /ALTER COLUMN "id"|users_id_seq/.test(s.sql)).map((s) => ({ first: s.sql.split('\n').find((l) => /ALTER|DROP|SET|setval/.test(l))!.trim(), lock: s.lock }));
    expect(plan.sync).toEqual([]);
    expect(plan.expandOnline).toEqual([]);
    expect(touching(plan.expand)).toEqual([
      { first: 'ALTER TABLE "public"."users" ALTER COLUMN "id" DROP DEFAULT;', lock: 'ACCESS EXCLUSIVE, catalog only, plus max(id): an index lookup (users_pkey)' },
    ]);
    expect(plan.expand.find((s) => /ADD GENERATED/.test(s.sql))!.sql).toMatch(/ADD GENERATED BY DEFAULT AS IDENTITY \(SEQUENCE NAME "public"\."_midair_users_id_seq" START WITH %s\)', next_value\)/);
    expect(touching(plan.contract)).toEqual([
      { first: 'ALTER TABLE "public"."users" ALTER COLUMN "id" SET GENERATED ALWAYS', lock: 'ACCESS EXCLUSIVE, catalog only' },
      { first: 'DROP SEQUENCE public.users_id_seq;', lock: 'ACCESS EXCLUSIVE on the sequences, catalog only' },
    ]);
    expect(touching(plan.rollback)).toEqual([
      { first: 'ALTER TABLE "public"."users" ALTER COLUMN "id" DROP IDENTITY IF EXISTS;', lock: 'ACCESS EXCLUSIVE, catalog only, plus max(id): an index lookup (users_pkey)' },
    ]);
  });

  it('comments alone: COMMENT at start under SHARE UPDATE EXCLUSIVE, no copy and no sync, the old comment back on rollback', async () => {
    await fixture.target.db.exec(`COMMENT ON COLUMN users.email IS 'where we write'`);
    const plan = await fixture.midair.plan(defineMigration({
      name: 'users_comments',
      operations: [op.alterColumn({ table: 'users', column: 'email', comment: 'primary address' }), op.setComment({ table: 'users', comment: 'people' })],
    }));
    expect(plan.sync).toEqual([]);
    expect(plan.expandOnline).toEqual([]);
    expect(plan.expand.filter((s) => /^COMMENT/.test(s.sql))).toEqual([
      { sql: `COMMENT ON COLUMN "public"."users"."email" IS 'primary address'`, lock: 'SHARE UPDATE EXCLUSIVE, catalog only' },
      { sql: `COMMENT ON TABLE "public"."users" IS 'people'`, lock: 'SHARE UPDATE EXCLUSIVE, catalog only' },
    ]);
    expect(plan.rollback.filter((s) => /^COMMENT/.test(s.sql))).toEqual([
      { sql: `COMMENT ON TABLE "public"."users" IS NULL`, lock: 'SHARE UPDATE EXCLUSIVE, catalog only' },
      { sql: `COMMENT ON COLUMN "public"."users"."email" IS 'where we write'`, lock: 'SHARE UPDATE EXCLUSIVE, catalog only' },
    ]);
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
