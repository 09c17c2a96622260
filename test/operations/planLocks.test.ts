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
});
