import { describe, expect, it } from 'vitest';
import { defineMigration, MidairRefusal, op, type Migration } from '../src/index.js';
import { resetTarget } from './support/resetTarget.js';
import { DRIVERS } from './support/targets.js';
import { USERS } from './support/badInputUsers.js';

// Constraints that existing rows, names or options make impossible, refused at start naming the field.

describe.each(DRIVERS)('%s: bad input about constraints', (kind) => {
  const fixture = resetTarget(kind, 'bad_input_constraints', USERS);

  const rejectedAtStart = (migration: Migration, message: RegExp) => fixture.refused(migration, message);

  describe('constraints that existing rows break are refused at start with example keys, before any online build', () => {
    /** A refusal for the data (exit code 2 in the CLI), not a failure half-way. */
    async function refusedForData(migration: Migration, message: RegExp): Promise<void> {
      const error = await rejectedAtStart(migration, message);
      expect(error).toBeInstanceOf(MidairRefusal);
      expect((error as MidairRefusal).reason).toBe('data');
    }

    it('a unique constraint or unique index on duplicated values names the values', async () => {
      await fixture.target.db.exec(`UPDATE users SET name = 'ann' WHERE id = 2`);
      await refusedForData(
        defineMigration({ name: 'name_unique', operations: [op.addConstraint({ table: 'users', name: 'users_name_unique', unique: ['name'] })] }),
        /operation 1 \(addConstraint\): the unique constraint "users_name_unique" on "users" \(name\) cannot be built: 1 values are held by more than one row; they are: name='ann' in 2 rows$/,
      );
      await fixture.target.db.exec(`UPDATE users SET email = 'ann@x.io' WHERE id = 2`);
      await refusedForData(
        defineMigration({ name: 'name_index', operations: [op.createIndex({ table: 'users', columns: ['name', 'email'], unique: true })] }),
        /operation 1 \(createIndex\): the unique index "users_name_email_idx" on "users" \(name, email\) cannot be built: 1 values are held by more than one row; they are: name='ann', email='ann@x.io' in 2 rows$/,
      );
      await refusedForData(
        defineMigration({ name: 'name_unique_col', operations: [op.alterColumn({ table: 'users', column: 'name', unique: true })] }),
        /operation 1 \(alterColumn\): unique on "name" on "users" \(name\) cannot be built: 1 values are held by more than one row; they are: name='ann' in 2 rows$/,
      );
    });

    it('a check or a foreign key that rows break names their keys, at most five', async () => {
      await refusedForData(
        defineMigration({ name: 'age_small', operations: [op.addConstraint({ table: 'users', name: 'age_small', check: 'age < 45' })] }),
        /operation 1 \(addConstraint\): 1 rows of "users" break the check "age_small"; they are: id=3$/,
      );
      await fixture.target.db.exec(`CREATE TABLE ages (n integer PRIMARY KEY); INSERT INTO ages VALUES (30), (40)`);
      await refusedForData(
        defineMigration({ name: 'age_fk', operations: [op.addConstraint({ table: 'users', name: 'users_age_fk', foreignKey: { columns: ['age'], references: { table: 'ages', columns: ['n'] } } })] }),
        /operation 1 \(addConstraint\): 1 rows of "users" break the foreign key "users_age_fk": no row of "ages" matches them; they are: id=3$/,
      );
      await fixture.target.db.exec(`INSERT INTO users (name, age) SELECT 'u' || g, 100 + g FROM generate_series(1, 5) g`);
      await refusedForData(
        defineMigration({ name: 'age_small', operations: [op.addConstraint({ table: 'users', name: 'age_small', check: 'age < 45' })] }),
        /6 rows of "users" break the check "age_small"; the first 5: id=\d+; id=\d+; id=\d+; id=\d+; id=\d+$/,
      );
    });
  });

  it('a constraint name the table or the schema has already is refused, naming the field', async () => {
    await fixture.target.db.exec(`ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age > 0); CREATE INDEX users_name_idx ON users (name)`);
    for (const [operation, message] of [
      [op.addColumn({ table: 'users', column: { name: 'score', type: 'integer', check: { expression: 'score > 0', name: 'users_age_check' } } }), /operation 1 \(addColumn\): column\.check: table "users" already has a constraint "users_age_check"$/],
      [op.addColumn({ table: 'users', column: { name: 'handle', type: 'text', unique: { name: 'users_name_idx' } } }), /operation 1 \(addColumn\): column\.unique: the constraint's index would be named "users_name_idx", and a table or index of that name exists already$/],
      [op.addColumn({ table: 'users', column: { name: 'boss', type: 'integer', references: { table: 'users', column: 'id', name: 'users_pkey' } } }), /operation 1 \(addColumn\): column\.references\.name: table "users" already has a constraint "users_pkey"$/],
      [op.alterColumn({ table: 'users', column: 'email', check: { expression: 'email LIKE \'%@%\'', name: 'users_age_check' } }), /operation 1 \(alterColumn\): check: table "users" already has a constraint "users_age_check"$/],
      [op.addConstraint({ table: 'users', name: 'users_age_check', check: 'age < 200' }), /operation 1 \(addConstraint\): name: table "users" already has a constraint "users_age_check"$/],
      [op.createTable({ name: 'tags', columns: [{ name: 'id', type: 'integer' }], primaryKey: { columns: ['id'], name: 'users_name_idx' } }), /operation 1 \(createTable\): primaryKey\.name: the constraint's index would be named "users_name_idx"/],
      [op.createTable({
        name: 'tags', columns: [{ name: 'id', type: 'integer', check: { expression: 'id > 0', name: 'tags_id' } }],
        constraints: [{ name: 'tags_id', unique: ['id'] }],
      }), /operation 1 \(createTable\): constraints\.0\.name: table "tags" already has a constraint "tags_id"$/],
    ] as const) {
      const error = await rejectedAtStart(defineMigration({ name: 'name_clash', operations: [operation] }), message);
      expect(error.hint).toMatch(/^choose another name for "(column\.check|column\.unique|column\.references\.name|check|name|primaryKey\.name|constraints\.0\.name)"$/);
    }
  });

  it('two operations giving one table the same constraint name are refused, naming the second', async () => {
    await rejectedAtStart(
      defineMigration({
        name: 'twice',
        operations: [
          op.addColumn({ table: 'users', column: { name: 'score', type: 'integer', check: { expression: 'score > 0', name: 'users_positive' } } }),
          op.addConstraint({ table: 'users', name: 'users_positive', check: 'age > 0' }),
        ],
      }),
      /operation 2 \(addConstraint\): name: table "users" already has a constraint "users_positive"$/,
    );
  });

  it('foreign-key options that cannot work are refused: MATCH PARTIAL, initially deferred but not deferrable, SET NULL on NOT NULL', async () => {
    await rejectedAtStart(
      { name: 'partial', operations: [op.addColumn({ table: 'users', column: { name: 'boss', type: 'integer', references: { table: 'users', column: 'id', match: 'PARTIAL' as 'FULL' } } })] },
      /invalid migration: operation 1, field "column\.references\.match": MATCH PARTIAL is not implemented by PostgreSQL: use "SIMPLE" or "FULL"/,
    );
    const error = await rejectedAtStart(
      defineMigration({ name: 'deferred', operations: [op.addConstraint({ table: 'users', name: 'users_boss', foreignKey: { columns: ['age'], references: { table: 'users', columns: ['id'] }, deferrable: false, initiallyDeferred: true } })] }),
      /operation 1 \(addConstraint\): foreignKey: "initiallyDeferred" needs a deferrable foreign key, and "deferrable" is false$/,
    );
    expect(error.hint).toMatch(/initiallyDeferred implies it/);
    await rejectedAtStart(
      defineMigration({
        name: 'set_null',
        operations: [op.createTable({ name: 'tags', columns: [{ name: 'user_id', type: 'integer', nullable: false, references: { table: 'users', column: 'id', onDelete: 'SET NULL' } }] })],
      }),
      /operation 1 \(createTable\): columns\.0\.references\.onDelete: SET NULL on column "user_id", which is NOT NULL$/,
    );
  });

  it('a MATCH FULL foreign key is refused for rows whose key is partly NULL, which MATCH SIMPLE accepts', async () => {
    await fixture.target.db.exec(`CREATE TABLE people (first text, last text, PRIMARY KEY (first, last)); INSERT INTO people VALUES ('ann', 'x');
      ALTER TABLE users ADD COLUMN last text; UPDATE users SET last = 'x' WHERE id = 1;`);
    const fk = (match: 'SIMPLE' | 'FULL') => defineMigration({
      name: `named_${match.toLowerCase()}`,
      operations: [op.addConstraint({ table: 'users', name: 'users_person', foreignKey: { columns: ['name', 'last'], references: { table: 'people', columns: ['first', 'last'] }, match } })],
    });
    await rejectedAtStart(fk('FULL'), /operation 1 \(addConstraint\): 2 rows of "users" break the foreign key "users_person": no row of "people" matches them \(with MATCH FULL, a key that is partly NULL matches none\); they are: id=2; id=3$/);
    expect(await fixture.midair.plan(fk('SIMPLE'))).toBeTruthy();
  });

  it('a foreign key whose columns and referenced columns differ in number is refused', async () => {
    const error = await rejectedAtStart(
      defineMigration({ name: 'fk_count', operations: [op.addConstraint({ table: 'users', name: 'users_pair', foreignKey: { columns: ['id', 'age'], references: { table: 'users', columns: ['id'] } } })] }),
      /operation 1 \(addConstraint\): foreignKey: 2 columns reference 1 columns$/,
    );
    expect(error.hint).toBe('give as many "references.columns" as "columns"');
    await rejectedAtStart(
      defineMigration({
        name: 'fk_count',
        operations: [op.createTable({ name: 'pairs', columns: [{ name: 'a', type: 'integer' }], constraints: [{ name: 'pairs_user', foreignKey: { columns: ['a'], references: { table: 'users', columns: ['id', 'age'] } } }] })],
      }),
      /operation 1 \(createTable\): constraints\.0\.foreignKey: 1 columns reference 2 columns$/,
    );
  });

  it('a createTable constraint with more or less than one of check, unique and foreignKey is refused', async () => {
    for (const constraint of [{ name: 'pairs_both', check: 'a > 0', unique: ['a'] }, { name: 'pairs_none' }]) {
      await rejectedAtStart(
        defineMigration({ name: 'one_kind', operations: [op.createTable({ name: 'pairs', columns: [{ name: 'a', type: 'integer' }], constraints: [constraint] })] }),
        /operation 1 \(createTable\): constraints\.0: give exactly one of "check", "unique" or "foreignKey"$/,
      );
    }
  });

  it('dropConstraint refuses a missing constraint, a NOT NULL, a referenced key, the replica identity\'s index and the sync key, naming what to do', async () => {
    await fixture.target.db.exec(`ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age > 0), ADD CONSTRAINT users_email_key UNIQUE (email);
      CREATE TABLE notes (id serial PRIMARY KEY, author integer REFERENCES users (id), email text REFERENCES users (email));
      CREATE TABLE events (id integer PRIMARY KEY, uuid text NOT NULL CONSTRAINT events_uuid_key UNIQUE);
      ALTER TABLE events REPLICA IDENTITY USING INDEX events_uuid_key;`);
    const drop = (name: string, operations: Migration['operations']) => defineMigration({ name, operations });
    const missing = await rejectedAtStart(
      drop('drop_nothing', [op.dropConstraint({ table: 'users', name: 'users_age_chek' })]),
      /^migration "drop_nothing": operation 1 \(dropConstraint\): name: table "users" has no constraint "users_age_chek"$/,
    );
    expect(missing.hint).toBe('did you mean "users_age_check"? its constraints: users_age_check, users_email_key, users_pkey');
    const notNull = await rejectedAtStart(
      drop('drop_not_null', [op.dropConstraint({ table: 'users', name: 'users_name_not_null' })]),
      /^migration "drop_not_null": operation 1 \(dropConstraint\): name: "users_name_not_null" is the NOT NULL of column "name", which is no constraint to drop$/,
    );
    expect(notNull.hint).toBe("use op.alterColumn({ table: 'users', column: 'name', nullable: true })");
    const referenced = await rejectedAtStart(
      drop('drop_pkey', [op.dropConstraint({ table: 'users', name: 'users_pkey' })]),
      /^migration "drop_pkey": operation 1 \(dropConstraint\): name: foreign key "notes_author_fkey" of table "notes" references the primary key "users_pkey" of "users"$/,
    );
    expect(referenced.hint).toBe('drop that foreign key first (op.dropConstraint on "notes", in an earlier migration), or keep the primary key');
    const otherSide = await rejectedAtStart(
      drop('drop_from_parent', [op.dropConstraint({ table: 'users', name: 'notes_author_fkey' })]),
      /^migration "drop_from_parent": operation 1 \(dropConstraint\): name: "notes_author_fkey" is a foreign key of table "notes", which references "users"$/,
    );
    expect(otherSide.hint).toBe("give table: 'notes'");
    await rejectedAtStart(
      drop('drop_email_key', [op.dropConstraint({ table: 'users', name: 'users_email_key' })]),
      /operation 1 \(dropConstraint\): name: foreign key "notes_email_fkey" of table "notes" references the unique "users_email_key" of "users"$/,
    );
    const identity = await rejectedAtStart(
      drop('drop_identity', [op.dropConstraint({ table: 'events', name: 'events_uuid_key' })]),
      /^migration "drop_identity": operation 1 \(dropConstraint\): name: the index of unique "events_uuid_key" is the replica identity of "events": dropping it would leave logical replication no old values of updated or deleted rows$/,
    );
    expect(identity.hint).toMatch(/^set another replica identity first, with op\.setReplicaIdentity before this operation/);
    await fixture.midair.plan(drop('identity_first', [op.setReplicaIdentity({ table: 'events', identity: 'full' }), op.dropConstraint({ table: 'events', name: 'events_uuid_key' })]));
    // Backfill and verify walk the rows by the primary key until contract: whichever operation comes first.
    const synced = { table: 'events', column: { name: 'note', type: 'text' }, up: 'uuid' };
    const keyLater = await rejectedAtStart(
      drop('key_later', [op.dropConstraint({ table: 'events', name: 'events_pkey' }), op.addColumn(synced)]),
      /^migration "key_later": operation 2 \(addColumn\): table "events" must be synced by its key \(id\), and operation 1 \(dropConstraint\) drops "events_pkey" at complete$/,
    );
    expect(keyLater.hint).toBe('drop that constraint in a migration of its own, after this one completes');
    await rejectedAtStart(
      drop('key_first', [op.addColumn(synced), op.dropConstraint({ table: 'events', name: 'events_pkey' })]),
      /^migration "key_first": operation 2 \(dropConstraint\): name: table "events" must be synced by its key \(id\) for an earlier operation, and this drops its constraint "events_pkey" at complete$/,
    );
  });

  it('dropConstraint with column and down refuses what it cannot copy, naming the field', async () => {
    await fixture.target.db.exec(`ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age > 0)`);
    const drop = (o: Omit<Parameters<typeof op.dropConstraint>[0], 'table'>) => defineMigration({ name: 'drop_with', operations: [op.dropConstraint({ table: 'users', ...o })] });
    await rejectedAtStart(drop({ name: 'users_age_check', down: 'greatest(age, 1)' }), /operation 1 \(dropConstraint\): "down" needs "column": the column of the constraint that the new shape gets free of it$/);
    await rejectedAtStart(drop({ name: 'users_age_check', column: 'age' }), /operation 1 \(dropConstraint\): "column" needs "down": the value the old column gets from a new-release write, one that "users_age_check" accepts$/);
    const other = await rejectedAtStart(drop({ name: 'users_age_check', column: 'name', down: 'name' }), /operation 1 \(dropConstraint\): column: "name" is not a column of the check "users_age_check"$/);
    expect(other.hint).toBe('its columns: age');
    await rejectedAtStart(drop({ name: 'users_pkey', column: 'id', down: 'id' }), /operation 1 \(dropConstraint\): column: a primary key cannot be dropped with "column" and "down": Midair walks and matches rows by its columns$/);
    await rejectedAtStart(
      defineMigration({ name: 'drop_created', operations: [op.createTable({ name: 'tags', columns: [{ name: 'id', type: 'integer', unique: true }] }), op.dropConstraint({ table: 'tags', name: 'tags_id_key' })] }),
      /operation 2 \(dropConstraint\): table: "tags" is created by this same migration$/,
    );
  });

  it('setReplicaIdentity refuses an index PostgreSQL would refuse, naming why', async () => {
    await fixture.target.db.exec(`CREATE INDEX users_age_idx ON users (age); CREATE UNIQUE INDEX users_name_part ON users (name) WHERE name <> '';
      ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE (name) DEFERRABLE, ADD CONSTRAINT users_email_key UNIQUE (email)`);
    const identity = (index: string, name = 'identity_index') => defineMigration({ name, operations: [op.setReplicaIdentity({ table: 'users', identity: { index } })] });
    const notUnique = await rejectedAtStart(
      identity('users_age_idx'),
      /^migration "identity_index": operation 1 \(setReplicaIdentity\): identity\.index: index "users_age_idx" cannot be the replica identity of "users": it is not unique, its columns "age" may hold NULL$/,
    );
    expect(notUnique.hint).toBe("a replica identity index must be unique, not partial, not deferrable, without expressions, over NOT NULL columns: choose such an index, or identity: 'full'");
    await rejectedAtStart(identity('users_name_part'), /identity\.index: index "users_name_part" cannot be the replica identity of "users": it is partial \(WHERE\)$/);
    await rejectedAtStart(identity('users_name_key'), /identity\.index: index "users_name_key" cannot be the replica identity of "users": it backs a DEFERRABLE constraint$/);
    await rejectedAtStart(identity('users_email_key'), /identity\.index: index "users_email_key" cannot be the replica identity of "users": its columns "email" may hold NULL$/);
    const missing = await rejectedAtStart(identity('users_nope'), /operation 1 \(setReplicaIdentity\): identity\.index: table "users" has no index "users_nope"$/);
    expect(missing.hint).toBe('its unique indexes: users_pkey, users_email_key, users_name_key, users_name_part; an index this migration builds must be built by an operation before this one');
    // A column this migration adds is NOT NULL only from complete on.
    await rejectedAtStart(
      defineMigration({
        name: 'identity_built',
        operations: [
          op.addColumn({ table: 'users', column: { name: 'code', type: 'text', nullable: false, default: "'x'" } }),
          op.createIndex({ table: 'users', columns: ['code'], name: 'users_code_key', unique: true }),
          op.setReplicaIdentity({ table: 'users', identity: { index: 'users_code_key' } }),
        ],
      }),
      /operation 3 \(setReplicaIdentity\): identity\.index: index "users_code_key" cannot be the replica identity of "users": its columns "code" may hold NULL$/,
    );
    // An index the same migration builds is judged by its definition: its predicate and its expression keys.
    await rejectedAtStart(
      defineMigration({
        name: 'identity_built_partial',
        operations: [
          op.createIndex({ table: 'users', columns: ['id', { expression: 'lower(name)' }], name: 'users_lower_key', unique: true, where: 'id > 0' }),
          op.setReplicaIdentity({ table: 'users', identity: { index: 'users_lower_key' } }),
        ],
      }),
      /operation 2 \(setReplicaIdentity\): identity\.index: index "users_lower_key" cannot be the replica identity of "users": it is partial \(WHERE\), it has expressions$/,
    );
    await rejectedAtStart(
      defineMigration({ name: 'identity_same', operations: [op.setReplicaIdentity({ table: 'users', identity: 'default' })] }),
      /operation 1 \(setReplicaIdentity\): table "users" has replica identity default already$/,
    );
    await rejectedAtStart(
      { name: 'identity_bad', operations: [{ kind: 'setReplicaIdentity', table: 'users', identity: 'fulll' }] } as unknown as Migration,
      /operation 1, field "identity": use "default", "full", "nothing" or \{ index: "<a unique index>" \}/,
    );
  });
});
