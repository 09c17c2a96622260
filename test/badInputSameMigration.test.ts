import { describe, expect, it } from 'vitest';
import { defineMigration, MidairRefusal, op } from '../src/index.js';
import { resetTarget } from './support/resetTarget.js';
import { DRIVERS } from './support/targets.js';
import { USERS } from './support/badInputUsers.js';

// Primary keys, and what an earlier operation of the same migration built, converted or changed.

describe.each(DRIVERS)('%s: bad input for primary keys', (kind) => {
  const fixture = resetTarget(kind, 'bad_input_pk', `${USERS}
    CREATE TABLE logs (n integer, at text CONSTRAINT logs_at_check CHECK (at <> ''));
    INSERT INTO logs VALUES (1, 'a'), (1, 'b'), (NULL, 'c');`);

  it('addConstraint primaryKey refuses a table that has one, duplicates and NULLs, a partitioned table, a new column and a taken name', async () => {
    const key = (table: string, primaryKey: string[], name = `${table}_pkey`) => op.addConstraint({ table, name, primaryKey });
    const has = await fixture.refused(defineMigration({ name: 'pk_twice', operations: [key('users', ['name'])] }), /^migration "pk_twice": operation 1 \(addConstraint\): table "users" has a primary key already, "users_pkey"$/);
    expect(has.hint).toBe('change its columns with op.setPrimaryKey');
    const duplicates = await fixture.refused(
      defineMigration({ name: 'pk_dups', operations: [key('logs', ['n'])] }),
      /^migration "pk_dups": operation 1 \(addConstraint\): the primary key "logs_pkey" on "logs" \(n\) cannot be built: 1 values are held by more than one row; they are: n='1' in 2 rows$/,
    );
    expect(duplicates).toBeInstanceOf(MidairRefusal);
    await fixture.target.db.exec(`DELETE FROM logs WHERE at = 'b'`);
    const nulls = await fixture.refused(
      defineMigration({ name: 'pk_nulls', operations: [key('logs', ['n'])] }),
      /^migration "pk_nulls": operation 1 \(addConstraint\): 1 rows of "logs" break the primary key "logs_pkey": they hold NULL in "n"; they are: ctid=\(0,3\)$/,
    );
    expect(nulls.hint).toBe('give those rows a value in "n" first: a primary key column cannot hold NULL');
    await fixture.target.db.exec(`CREATE TABLE parts (a integer NOT NULL, b integer) PARTITION BY RANGE (a); CREATE TABLE parts_1 PARTITION OF parts FOR VALUES FROM (0) TO (10);`);
    const partitioned = await fixture.refused(
      defineMigration({ name: 'pk_parts', operations: [key('parts', ['a'])] }),
      /^migration "pk_parts": operation 1 \(addConstraint\): a primary key on partitioned table "parts" cannot be made online: PostgreSQL cannot attach an index as the primary key of a partitioned table/,
    );
    expect(partitioned.hint).toMatch(/op\.createIndex \(unique: true\).*op\.sql in a quiet window/);
    await fixture.refused(
      defineMigration({ name: 'pk_new_column', operations: [op.addColumn({ table: 'logs', column: { name: 'k', type: 'integer' } }), key('logs', ['k'])] }),
      /^migration "pk_new_column": operation 2 \(addConstraint\): primaryKey: column "k" is added or changed by this same migration, so its values are not known before start$/,
    );
    await fixture.refused(
      defineMigration({ name: 'pk_taken', operations: [key('logs', ['at'], 'logs_at_check')] }),
      /^migration "pk_taken": operation 1 \(addConstraint\): name: table "logs" already has a constraint "logs_at_check"$/,
    );
  });

  it('setPrimaryKey refuses a table without one, the same columns, a taken name, and what depends on the old key', async () => {
    const change = (table: string, columns: string[], name?: string) => op.setPrimaryKey({ table, columns, ...(name ? { name } : {}) });
    const none = await fixture.refused(defineMigration({ name: 'pk_none', operations: [change('logs', ['n'])] }), /^migration "pk_none": operation 1 \(setPrimaryKey\): table "logs" has no primary key to change$/);
    expect(none.hint).toBe('add one with op.addConstraint({ table: "logs", name, primaryKey: [...] })');
    await fixture.refused(defineMigration({ name: 'pk_same', operations: [change('users', ['id'])] }), /^migration "pk_same": operation 1 \(setPrimaryKey\): columns: \(id\) is already the primary key of "users"$/);
    await fixture.refused(defineMigration({ name: 'pk_typo', operations: [change('users', ['nme', 'id'])] }), /^migration "pk_typo": operation 1 \(setPrimaryKey\): columns: table "users" has no column "nme"$/);
    await fixture.refused(
      defineMigration({ name: 'pk_twice', operations: [change('users', ['name', 'id']), change('users', ['age', 'id'])] }),
      /^migration "pk_twice": operation 2 \(setPrimaryKey\): the primary key of "users" is made by operation 1 \(setPrimaryKey\) already$/,
    );
    await fixture.target.db.exec(`ALTER TABLE users ADD CONSTRAINT users_name_check CHECK (name <> '')`);
    await fixture.refused(
      defineMigration({ name: 'pk_taken', operations: [change('users', ['name', 'id'], 'users_name_check')] }),
      /^migration "pk_taken": operation 1 \(setPrimaryKey\): name: table "users" already has a constraint "users_name_check"$/,
    );
    // DROP CONSTRAINT in the contract transaction would fail on them, after the new index was built.
    await fixture.target.db.exec(`CREATE TABLE notes (user_id integer REFERENCES users (id));
      CREATE VIEW user_names AS SELECT id, name FROM users GROUP BY id;`);
    const bound = await fixture.refused(
      defineMigration({ name: 'pk_bound', operations: [change('users', ['name', 'id'])] }),
      /^migration "pk_bound": operation 1 \(setPrimaryKey\): 2 objects depend on the primary key "users_pkey" of "users", which complete drops; they are: constraint notes_user_id_fkey on table notes; rule _RETURN on view user_names$/,
      { plan: true },
    );
    expect(bound.hint).toBe('drop each first, or point it elsewhere, in an earlier migration: a foreign key at a unique constraint on (id), a view that groups by the key at all the columns it selects');
    // Else logical replication would silently lose the row identity of updates and deletes.
    await fixture.target.db.exec(`DROP VIEW user_names; DROP TABLE notes; ALTER TABLE users REPLICA IDENTITY USING INDEX users_pkey`);
    await fixture.refused(
      defineMigration({ name: 'pk_replica', operations: [change('users', ['name', 'id'])] }),
      /^migration "pk_replica": operation 1 \(setPrimaryKey\): the replica identity of "users" is the index of its primary key "users_pkey", which complete drops; they are: REPLICA IDENTITY USING INDEX users_pkey$/,
    );
  });
});

describe.each(DRIVERS)('%s: a column in an index built earlier in the same migration', (kind) => {
  const fixture = resetTarget(kind, 'bad_input_built', USERS);

  it('is not dropped or replaced later in it: contract would drop the index (or the new primary key) with the column', async () => {
    await fixture.refused(
      defineMigration({ name: 'key_then_drop', operations: [op.setPrimaryKey({ table: 'users', columns: ['name', 'id'] }), op.dropColumn({ table: 'users', column: 'name', down: `'x'` })] }),
      /^migration "key_then_drop": operation 2 \(dropColumn\): column "name" is in the index "_midair_new_users_pkey" that operation 1 \(setPrimaryKey\) builds; contract would drop that index with the column$/,
    );
    const error = await fixture.refused(
      defineMigration({ name: 'unique_then_type', operations: [op.addConstraint({ table: 'users', name: 'users_age_key', unique: ['age'] }), op.alterColumn({ table: 'users', column: 'age', type: 'bigint', up: 'age', down: 'age' })] }),
      /^migration "unique_then_type": operation 2 \(alterColumn\): column "age" is in the index "users_age_key" that operation 1 \(addConstraint\) builds; contract would drop that index with the column$/,
    );
    expect(error.hint).toBe('change the column first (put this operation before the one that builds the index), or in another migration');
  });
});

describe.each(DRIVERS)('%s: identity conversion needs an index on the column and is the only change of that column in the migration', (kind) => {
  const fixture = resetTarget(kind, 'bad_input_identity', `CREATE TABLE orders (id integer PRIMARY KEY, seq_no serial, n integer NOT NULL DEFAULT 0);
    CREATE INDEX orders_n_partial ON orders (n) WHERE n > 0;
    CREATE INDEX orders_n_hash ON orders USING hash (n);`);

  it('is refused on a column no plain btree index leads with: the start value\'s max() would scan the table under ACCESS EXCLUSIVE', async () => {
    for (const column of ['seq_no', 'n']) {
      const error = await fixture.refused(
        defineMigration({ name: 'identity_unindexed', operations: [op.alterColumn({ table: 'orders', column, identity: 'always' })] }),
        new RegExp(`^migration "identity_unindexed": operation 1 \\(alterColumn\\): identity: no valid btree index of "orders" leads with "${column}" \\(without a predicate\\), so finding its largest value would scan the whole table under ACCESS EXCLUSIVE$`),
        { plan: true },
      );
      expect(error.hint).toBe(`create one first, online, in an earlier migration: op.createIndex({ table: 'orders', columns: ['${column}'] })`);
    }
    await fixture.target.db.exec('CREATE INDEX orders_seq_no ON orders (seq_no, n)');
    const plan = await fixture.midair.plan(defineMigration({ name: 'identity_indexed', operations: [op.alterColumn({ table: 'orders', column: 'seq_no', identity: 'always' })] }));
    expect(plan.expand.find((s) => /ADD GENERATED/.test(s.sql))!.lock).toBe('ACCESS EXCLUSIVE, catalog only, plus max(seq_no): an index lookup (orders_seq_no)');
  });

  it('a column turned into an identity column is not copied or converted again later in the same migration', async () => {
    await fixture.target.db.exec('CREATE INDEX orders_seq_no ON orders (seq_no)');
    const identity = op.alterColumn({ table: 'orders', column: 'seq_no', identity: 'always' });
    const copied = await fixture.refused(
      defineMigration({ name: 'identity_then_copy', operations: [identity, op.alterColumn({ table: 'orders', column: 'seq_no', type: 'bigint', up: 'seq_no::bigint', down: 'seq_no::integer' })] }),
      /^migration "identity_then_copy": operation 2 \(alterColumn\): column "seq_no" becomes an identity column by operation 1 \(alterColumn\); a copy of it could not take over the identity sequence online$/,
      { plan: true },
    );
    expect(copied.hint).toBe('make this change in another migration, after this one completes');
    await fixture.refused(
      defineMigration({ name: 'identity_then_check', operations: [identity, op.addConstraint({ table: 'orders', name: 'orders_seq_no_check', check: 'seq_no > 0', column: 'seq_no', up: 'greatest(seq_no, 1)' })] }),
      /^migration "identity_then_check": operation 2 \(addConstraint\): column "seq_no" becomes an identity column by operation 1 \(alterColumn\)/,
    );
    await fixture.refused(
      defineMigration({ name: 'identity_twice', operations: [identity, op.alterColumn({ table: 'orders', column: 'seq_no', identity: 'byDefault' })] }),
      /^migration "identity_twice": operation 2 \(alterColumn\): identity: column "seq_no" becomes an identity column by operation 1 \(alterColumn\) already$/,
    );
    const combined = await fixture.refused(
      defineMigration({ name: 'identity_and_type', operations: [op.alterColumn({ table: 'orders', column: 'seq_no', identity: 'always', type: 'bigint', up: 'seq_no', down: 'seq_no' })] }),
      /identity: turning "seq_no" into an identity column cannot be combined with "type", "up", "down"/,
    );
    expect(combined.hint).toBe('make the other changes in another migration, after this one completes (identity may come with "name" and "comment")');
  });
});

describe.each(DRIVERS)('%s: a constraint an earlier operation of the same migration adds, replaces, renames or drops', (kind) => {
  const fixture = resetTarget(kind, 'bad_input_changed', USERS);
  const HINT = 'change that constraint in a migration of its own, after this one completes';

  it('a new primary key and a drop of the old or new key are refused in either order, naming both operations', async () => {
    const error = await fixture.refused(
      defineMigration({ name: 'key_then_drop_old', operations: [op.setPrimaryKey({ table: 'users', columns: ['name'] }), op.dropConstraint({ table: 'users', name: 'users_pkey' })] }),
      /^migration "key_then_drop_old": operation 2 \(dropConstraint\): name: operation 1 \(setPrimaryKey\) replaces the primary key "users_pkey" of table "users" earlier in this same migration$/,
    );
    expect(error.hint).toBe(HINT);
    await fixture.refused(
      defineMigration({ name: 'drop_then_key', operations: [op.dropConstraint({ table: 'users', name: 'users_pkey' }), op.setPrimaryKey({ table: 'users', columns: ['name'] })] }),
      /^migration "drop_then_key": operation 2 \(setPrimaryKey\): operation 1 \(dropConstraint\) drops "users_pkey" of table "users" earlier in this same migration$/,
    );
    await fixture.refused(
      defineMigration({ name: 'key_then_drop_new', operations: [op.setPrimaryKey({ table: 'users', columns: ['name'], name: 'users_name_pkey' }), op.dropConstraint({ table: 'users', name: 'users_name_pkey' })] }),
      /^migration "key_then_drop_new": operation 2 \(dropConstraint\): name: operation 1 \(setPrimaryKey\) adds "users_name_pkey" of table "users" earlier in this same migration$/,
    );
    await fixture.refused(
      defineMigration({ name: 'key_then_rename', operations: [op.setPrimaryKey({ table: 'users', columns: ['name'] }), op.renameConstraint({ table: 'users', from: 'users_pkey', to: 'users_key' })] }),
      /^migration "key_then_rename": operation 2 \(renameConstraint\): from: operation 1 \(setPrimaryKey\) replaces the primary key "users_pkey" of table "users" earlier in this same migration$/,
    );
  });

  it('a constraint added, renamed or dropped earlier is not dropped or renamed again', async () => {
    await fixture.target.db.exec('ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age > 0)');
    await fixture.refused(
      defineMigration({ name: 'add_then_drop', operations: [op.addConstraint({ table: 'users', name: 'users_email_check', check: `email <> ''` }), op.dropConstraint({ table: 'users', name: 'users_email_check' })] }),
      /^migration "add_then_drop": operation 2 \(dropConstraint\): name: operation 1 \(addConstraint\) adds "users_email_check" of table "users" earlier in this same migration$/,
    );
    await fixture.refused(
      defineMigration({ name: 'rename_then_drop', operations: [op.renameConstraint({ table: 'users', from: 'users_age_check', to: 'users_age_positive' }), op.dropConstraint({ table: 'users', name: 'users_age_check' })] }),
      /^migration "rename_then_drop": operation 2 \(dropConstraint\): name: operation 1 \(renameConstraint\) renames "users_age_check" of table "users" earlier in this same migration$/,
    );
    await fixture.refused(
      defineMigration({ name: 'drop_then_rename', operations: [op.dropConstraint({ table: 'users', name: 'users_age_check' }), op.renameConstraint({ table: 'users', from: 'users_age_check', to: 'users_age_positive' })] }),
      /^migration "drop_then_rename": operation 2 \(renameConstraint\): from: operation 1 \(dropConstraint\) drops "users_age_check" of table "users" earlier in this same migration$/,
    );
    await fixture.refused(
      defineMigration({ name: 'rename_then_add', operations: [op.renameConstraint({ table: 'users', from: 'users_age_check', to: 'users_age_positive' }), op.addConstraint({ table: 'users', name: 'users_age_positive', check: 'age < 200' })] }),
      /^migration "rename_then_add": operation 2 \(addConstraint\): name: table "users" already has a constraint "users_age_positive"$/,
    );
  });

  it('the name of a new primary key is taken for later operations', async () => {
    await fixture.refused(
      defineMigration({ name: 'key_then_same_name', operations: [op.setPrimaryKey({ table: 'users', columns: ['name'], name: 'users_name_pkey' }), op.addConstraint({ table: 'users', name: 'users_name_pkey', check: 'age > 0' })] }),
      /^migration "key_then_same_name": operation 2 \(addConstraint\): name: table "users" already has a constraint "users_name_pkey"$/,
    );
  });

  it('a column with a check or foreign key added earlier is not copied or dropped later: contract would drop the constraint with the column', async () => {
    await fixture.target.db.exec('CREATE TABLE teams (id integer PRIMARY KEY, code integer NOT NULL UNIQUE); ALTER TABLE users ADD COLUMN team integer');
    const error = await fixture.refused(
      defineMigration({ name: 'check_then_type', operations: [op.addConstraint({ table: 'users', name: 'users_age_positive', check: 'age > 0' }), op.alterColumn({ table: 'users', column: 'age', type: 'bigint', up: 'age', down: 'age' })] }),
      /^migration "check_then_type": operation 2 \(alterColumn\): column "age" is in the check "users_age_positive" that operation 1 \(addConstraint\) adds; contract would drop that constraint with the column$/,
    );
    expect(error.hint).toBe('give the constraint with the column change (alterColumn "check" or "references"), or add it in a migration of its own after this one completes');
    const fk = op.addConstraint({ table: 'users', name: 'users_team_fkey', foreignKey: { columns: ['team'], references: { table: 'teams', columns: ['code'] } } });
    await fixture.refused(
      defineMigration({ name: 'fk_then_type', operations: [fk, op.alterColumn({ table: 'users', column: 'team', type: 'bigint', up: 'team', down: 'team' })] }),
      /^migration "fk_then_type": operation 2 \(alterColumn\): column "team" is in the foreign key "users_team_fkey" that operation 1 \(addConstraint\) adds; contract would drop that constraint with the column$/,
    );
    await fixture.refused(
      defineMigration({ name: 'fk_then_target', operations: [fk, op.alterColumn({ table: 'teams', column: 'code', type: 'bigint', up: 'code', down: 'code' })] }),
      /^migration "fk_then_target": operation 2 \(alterColumn\): column "code" is referenced by the foreign key "users_team_fkey" that operation 1 \(addConstraint\) adds; contract would drop that constraint with the column$/,
    );
    await fixture.refused(
      defineMigration({ name: 'check_then_drop', operations: [op.addConstraint({ table: 'users', name: 'users_age_positive', check: 'age > 0' }), op.dropColumn({ table: 'users', column: 'age' })] }),
      /^migration "check_then_drop": operation 2 \(dropColumn\): column "age" is in the check "users_age_positive" that operation 1 \(addConstraint\) adds; contract would drop that constraint with the column$/,
    );
    await fixture.refused(
      defineMigration({
        name: 'references_then_target',
        operations: [
          op.addColumn({ table: 'users', column: { name: 'team_code', type: 'integer', references: { table: 'teams', column: 'code', name: 'users_team_code_fkey' } } }),
          op.alterColumn({ table: 'teams', column: 'code', type: 'bigint', up: 'code', down: 'code' }),
        ],
      }),
      /^migration "references_then_target": operation 2 \(alterColumn\): column "code" is referenced by the foreign key "users_team_code_fkey" that operation 1 \(addColumn\) adds; contract would drop that constraint with the column$/,
    );
    // The same check given with the column change is kept.
    await fixture.midair.plan(defineMigration({ name: 'check_with_type', operations: [op.alterColumn({ table: 'users', column: 'age', type: 'bigint', up: 'age', down: 'age', check: { name: 'users_age_positive', expression: 'age > 0' } })] }));
  });

  it('a check naming a column an earlier operation copies or renames is refused, saying where to give it', async () => {
    const hint = 'give the check with the alterColumn that changes the column ("check"), or add it in a later migration';
    const copied = await fixture.refused(
      defineMigration({ name: 'type_then_check', operations: [op.alterColumn({ table: 'users', column: 'age', type: 'bigint', up: 'age', down: 'age' }), op.addConstraint({ table: 'users', name: 'users_age_positive', check: 'age > 0' })] }),
      /^migration "type_then_check": operation 2 \(addConstraint\): check: column "age" is held by "_midair_new_age" until complete \(an earlier operation of this migration copies or renames it\), and a check is written over the table's physical columns$/,
    );
    expect(copied.hint).toBe(hint);
    await fixture.refused(
      defineMigration({ name: 'rename_then_check', operations: [op.renameColumn({ table: 'users', from: 'age', to: 'years' }), op.addConstraint({ table: 'users', name: 'users_years_positive', check: 'years > 0' })] }),
      /operation 2 \(addConstraint\): check: column "years" is held by "age" until complete/,
    );
  });
});
