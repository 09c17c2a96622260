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
    expect(built.rollback.filter((s) => /REPLICA/.test(s.sql))).toEqual([{ sql: 'ALTER TABLE "public"."users" REPLICA IDENTITY FULL', lock: 'ACCESS EXCLUSIVE, catalog only' }]);
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
});
