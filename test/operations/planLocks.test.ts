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
