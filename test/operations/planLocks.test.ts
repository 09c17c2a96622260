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
});
