import { describe, expect, it } from 'vitest';
import { defineMigration, MidairRefusal, op, type Migration } from '../src/index.js';
import { resetTarget, midairError } from './support/resetTarget.js';
import { DRIVERS } from './support/targets.js';

const USERS = `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text, age integer);
INSERT INTO users (name, email, age) VALUES ('ann', 'ann@x.io', 30), ('bob', NULL, 40), ('cy', NULL, 50);`;

describe.each(DRIVERS)('%s: bad input', (kind) => {
  const fixture = resetTarget(kind, 'bad_input', USERS);

  const rejectedAtStart = (migration: Migration, message: RegExp) => fixture.refused(migration, message);

  it('a missing table names the operation and the field', async () => {
    const migration = defineMigration({
      name: 'bad_table',
      operations: [
        op.addColumn({ table: 'users', column: { name: 'nick', type: 'text' } }),
        op.addColumn({ table: 'nope', column: { name: 'x', type: 'text' } }),
      ],
    });
    const error = await rejectedAtStart(migration, /^migration "bad_table": operation 2 \(addColumn\): table "nope" does not exist in schema "public"$/);
    expect(error.hint).toBe('tables in the new shape: users');
    await expect(fixture.midair.plan(migration)).rejects.toThrow(/operation 2 \(addColumn\): table "nope" does not exist/);
  });

  it('a table in another schema is named with that schema, and the hint points to the schema setting', async () => {
    await fixture.target.db.exec('CREATE SCHEMA shop; CREATE TABLE shop.orders (id serial PRIMARY KEY, total integer)');
    const error = await rejectedAtStart(
      defineMigration({ name: 'other_schema', operations: [op.addColumn({ table: 'orders', column: { name: 'note', type: 'text' } })] }),
      /^migration "other_schema": operation 1 \(addColumn\): table "orders" does not exist in schema "public", but in schema "shop"$/,
    );
    expect(error.hint).toBe(`Midair changes the tables of one schema, set by \`schema\` in midair.config.ts ("public" now): set schema: 'shop' there to migrate "orders"`);
  });

  it('a misspelt type names the operation, the field and the type, and suggests the closest type name', async () => {
    // The same type with a typo looks like a type change without down: the type must be checked first.
    for (const [operation, field] of [
      [op.alterColumn({ table: 'users', column: 'age', type: 'integr', nullable: false, up: 'coalesce(age, 0)' }), 'type'],
      [op.addColumn({ table: 'users', column: { name: 'score', type: 'integr' } }), 'column\\.type'],
      [op.createTable({ name: 'scores', columns: [{ name: 'id', type: 'integr' }] }), 'columns\\.0\\.type'],
    ] as const) {
      const error = await rejectedAtStart(
        defineMigration({ name: 'typo_type', operations: [operation] }),
        new RegExp(`^migration "typo_type": operation 1 \\(${operation.kind}\\): ${field}: "integr" is not a type of this database$`),
      );
      expect(error.hint).toMatch(/^did you mean "integer"\? /);
    }
    const error = await rejectedAtStart(
      defineMigration({ name: 'typo_type', operations: [op.alterColumn({ table: 'users', column: 'email', type: 'varchr(20)', up: 'email', down: 'email' })] }),
      /operation 1 \(alterColumn\): type: "varchr\(20\)" is not a type of this database/,
    );
    expect(error.hint).toMatch(/^did you mean "varchar\(20\)"\? /);
  });

  it('an index name that exists already is refused, so rollback can never drop the user\'s index', async () => {
    await fixture.target.db.exec('CREATE INDEX users_age_idx ON users (age)');
    await rejectedAtStart(
      defineMigration({ name: 'dup_index', operations: [op.createIndex({ table: 'users', columns: ['age'] })] }),
      /operation 1 \(createIndex\): an index or table named "users_age_idx" exists already/,
    );
    await fixture.target.db.exec('CREATE UNIQUE INDEX users_email_key ON users (email)');
    await rejectedAtStart(
      defineMigration({ name: 'dup_unique', operations: [op.alterColumn({ table: 'users', column: 'email', unique: true })] }),
      /operation 1 \(alterColumn\): unique: the constraint's index would be named "users_email_key", and a table or index of that name exists already/,
    );
  });

  it('dropIndex refuses a missing index, and one that backs a constraint, naming what to do', async () => {
    await fixture.target.db.exec('CREATE INDEX users_age_idx ON users (age); ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)');
    const missing = await rejectedAtStart(
      defineMigration({ name: 'drop_nothing', operations: [op.dropIndex({ table: 'users', name: 'users_agee_idx' })] }),
      /^migration "drop_nothing": operation 1 \(dropIndex\): table "users" has no index "users_agee_idx" that can be dropped \(a primary key's index goes with its constraint\)$/,
    );
    expect(missing.hint).toBe('its indexes: users_age_idx, users_email_key');
    await rejectedAtStart(
      defineMigration({ name: 'drop_pkey', operations: [op.dropIndex({ table: 'users', name: 'users_pkey' })] }),
      /operation 1 \(dropIndex\): table "users" has no index "users_pkey" that can be dropped/,
    );
    const backing = await rejectedAtStart(
      defineMigration({ name: 'drop_key', operations: [op.dropIndex({ table: 'users', name: 'users_email_key' })] }),
      /^migration "drop_key": operation 1 \(dropIndex\): index "users_email_key" backs the constraint "users_email_key" of "users"$/,
    );
    expect(backing.hint).toBe("drop the constraint instead, with op.dropConstraint({ table: 'users', name: 'users_email_key' }); its index goes with it");
    // Else DROP INDEX would fail at complete, after the contract transaction.
    await fixture.target.db.exec('CREATE UNIQUE INDEX users_name_idx ON users (name); CREATE TABLE notes (author text REFERENCES users (name))');
    const referenced = await rejectedAtStart(
      defineMigration({ name: 'drop_referenced', operations: [op.dropIndex({ table: 'users', name: 'users_name_idx' })] }),
      /^migration "drop_referenced": operation 1 \(dropIndex\): index "users_name_idx" may be what foreign key "notes_author_fkey" of "notes" references$/,
    );
    expect(referenced.hint).toBe('drop that foreign key first (in an earlier migration), or keep the index');
  });

  it('renameConstraint refuses a missing constraint and a taken name, naming the field', async () => {
    await fixture.target.db.exec(`ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age > 0), ADD CONSTRAINT users_email_key UNIQUE (email);
      CREATE INDEX users_age_idx ON users (age)`);
    const missing = await rejectedAtStart(
      defineMigration({ name: 'rename_nothing', operations: [op.renameConstraint({ table: 'users', from: 'users_age_chk', to: 'users_age_positive' })] }),
      /^migration "rename_nothing": operation 1 \(renameConstraint\): table "users" has no constraint "users_age_chk"$/,
    );
    expect(missing.hint).toBe('its constraints: users_age_check, users_email_key, users_pkey');
    const taken = await rejectedAtStart(
      defineMigration({ name: 'rename_taken', operations: [op.renameConstraint({ table: 'users', from: 'users_age_check', to: 'users_pkey' })] }),
      /^migration "rename_taken": operation 1 \(renameConstraint\): to: table "users" already has a constraint "users_pkey"$/,
    );
    expect(taken.hint).toBe('choose another name for "to"');
    await rejectedAtStart(
      defineMigration({ name: 'rename_index', operations: [op.renameConstraint({ table: 'users', from: 'users_email_key', to: 'users_age_idx' })] }),
      /^migration "rename_index": operation 1 \(renameConstraint\): to: the index of constraint "users_email_key" would be renamed "users_age_idx", and a table or index of that name exists already$/,
    );
  });

  it('a missing column names the operation and the field', async () => {
    const error = await rejectedAtStart(
      defineMigration({ name: 'bad_column', operations: [op.renameColumn({ table: 'users', from: 'nmae', to: 'full_name' })] }),
      /operation 1 \(renameColumn\): from: table "users" has no column "nmae"/,
    );
    expect(error.hint).toBe('did you mean "name"? its columns: id, name, email, age');
    await rejectedAtStart(
      defineMigration({ name: 'bad_column2', operations: [op.alterColumn({ table: 'users', column: 'mail', nullable: false, up: `'x'` })] }),
      /operation 1 \(alterColumn\): column: table "users" has no column "mail"/,
    );
  });

  it('a malformed operation names its index and field', async () => {
    const broken = { name: 'malformed', operations: [op.dropColumn({ table: 'users', column: 'age' }), { kind: 'addColumn', table: 'users', column: { name: 'x' } }] };
    const error = await rejectedAtStart(broken as unknown as Migration, /invalid migration: operation 2, field "column\.type"/);
    expect(error.hint).toMatch(/docs\/operations\.md/);
  });

  it('a migration whose operations are not a non-empty list of known operations never starts', async () => {
    // A mistyped shape must be refused, never start and complete "successfully" doing nothing.
    const shapes: [unknown, RegExp][] = [
      [{ name: 'no_ops', operations: [] }, /invalid migration: field "operations": a migration needs at least one operation/],
      [{ name: 'misnamed', operation: [op.dropColumn({ table: 'users', column: 'age' })] }, /invalid migration: field "operations": .*; the default export: Unrecognized key: "operation"/],
      [{ name: 'not_a_list', operations: { drop: op.dropColumn({ table: 'users', column: 'age' }) } }, /invalid migration: field "operations": .*expected array/],
      [{ name: 'unknown_kind', operations: [{ kind: 'dropIndx', table: 'users', name: 'users_age_idx' }] }, /invalid migration: operation 1, field "kind": /],
    ];
    for (const [shape, message] of shapes) await rejectedAtStart(shape as Migration, message);
  });

  it('a type change without up and down is refused', async () => {
    const error = await rejectedAtStart(
      defineMigration({ name: 'age_text', operations: [op.alterColumn({ table: 'users', column: 'age', type: 'text', up: 'age::text' })] }),
      /operation 1 \(alterColumn\): changing the type of "age" from integer to text needs both "up" and "down"/,
    );
    expect(error.hint).toMatch(/down converts back/);
  });

  it('NOT NULL on a column holding NULLs without up reports how many rows and which', async () => {
    const error = await rejectedAtStart(
      defineMigration({ name: 'email_required', operations: [op.alterColumn({ table: 'users', column: 'email', nullable: false })] }),
      /operation 1 \(alterColumn\): 2 rows of "users" break NOT NULL on "email": they hold NULL in it; they are: id=\d+; id=\d+/,
    );
    expect(error.hint).toMatch(/give "up", e\.g\. up: "coalesce\(email, <a value>\)"/);
    await rejectedAtStart(
      defineMigration({ name: 'add_required', operations: [op.addColumn({ table: 'users', column: { name: 'nick', type: 'text', nullable: false } })] }),
      /operation 1 \(addColumn\): column "nick" is NOT NULL but has neither "up" nor "column\.default"/,
    );
  });

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

  it('an up or down with a syntax error is caught at start, before anything changes', async () => {
    const fixed = defineMigration({ name: 'add_shout', operations: [op.addColumn({ table: 'users', column: { name: 'shout', type: 'text' }, up: 'upper(name)' })] });
    await rejectedAtStart(
      defineMigration({ ...fixed, operations: [op.addColumn({ table: 'users', column: { name: 'shout', type: 'text' }, up: 'upper(name,)' })] }),
      /operation 1 \(addColumn\): "up" for "users"\."shout" fails: syntax error/,
    );
    await rejectedAtStart(
      defineMigration({ name: 'drop_age', operations: [op.dropColumn({ table: 'users', column: 'age', down: 'length(nmae)' })] }),
      /operation 1 \(dropColumn\): "down" for "users"\."age" fails: column "nmae" does not exist/,
    );
    // Nothing was recorded: the corrected migration starts under the same name.
    expect(await fixture.midair.start(fixed)).toMatchObject({ stage: 'expanded', resumed: false });
  });

  it('an up that fails on one row stops backfill naming that row, and rollback still restores everything', async () => {
    await fixture.target.db.exec(`CREATE TABLE items (id integer PRIMARY KEY, qty text NOT NULL);
      INSERT INTO items SELECT g, CASE WHEN g = 1150 THEN 'n/a' ELSE g::text END FROM generate_series(1, 1200) g;`);
    const before = await fixture.target.snapshot();
    // The dry run at start samples the first rows only, so the bad row passes start.
    await fixture.midair.start(defineMigration({ name: 'qty_int', operations: [op.alterColumn({ table: 'items', column: 'qty', type: 'integer', up: 'qty::integer', down: 'qty::text' })] }));

    const error = await midairError(fixture.midair.backfill());
    expect(error.message).toMatch(/backfill of "items" stopped: operation 1 \(alterColumn\): "up" for column "_midair_new_qty" fails on the row with id=1150: invalid input syntax for type integer: "n\/a"/);
    expect(error.hint).toMatch(/roll back/);
    expect((await fixture.midair.status()).active).toMatchObject([{ name: 'qty_int', stage: 'expanded' }]);
    await expect(fixture.midair.complete()).rejects.toThrow(/rows are not backfilled yet/);

    await fixture.midair.rollback();
    expect(await fixture.target.snapshot()).toEqual(before);
    expect(await fixture.target.db.query(`SELECT count(*)::int AS n, max(qty) FILTER (WHERE id = 1150) AS bad FROM items`)).toEqual([{ n: 1200, bad: 'n/a' }]);
  });

  it('a duplicate written before backfill stops backfill naming the constraint; fixing the row lets it resume', async () => {
    await fixture.midair.start(defineMigration({ name: 'name_unique', operations: [op.alterColumn({ table: 'users', column: 'name', unique: true })] }));
    const next = await fixture.target.shape(await fixture.midair.latestSearchPath());
    // Row 1 is not backfilled yet, so its name is not in the new unique index.
    await next.query(`INSERT INTO users (name) VALUES ('ann')`);
    const error = await midairError(fixture.midair.backfill());
    expect(error.message).toMatch(/backfill of "users" stopped: .*"users_name_key"/);

    await next.query(`UPDATE users SET name = 'ann2' WHERE id = 4`);
    await fixture.midair.backfill();
    expect(await fixture.midair.verify()).toMatchObject({ mismatches: 0, unsynced: 0 });
    await fixture.midair.complete();
    expect(await fixture.target.db.query(`SELECT id, name FROM users ORDER BY id`)).toEqual([
      { id: 1, name: 'ann' }, { id: 2, name: 'bob' }, { id: 3, name: 'cy' }, { id: 4, name: 'ann2' },
    ]);
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

  it('an unknown collation, or one on a type without collations, is refused naming the operation, the field and the collation', async () => {
    for (const [operation, field] of [
      [op.createTable({ name: 'tags', columns: [{ name: 'label', type: 'text', collation: 'no_such' }] }), 'columns\\.0'],
      [op.addColumn({ table: 'users', column: { name: 'nick', type: 'text', collation: 'no_such' } }), 'column'],
      [op.alterColumn({ table: 'users', column: 'email', collation: 'no_such' }), 'collation'],
    ] as const) {
      const error = await rejectedAtStart(
        defineMigration({ name: 'bad_collation', operations: [operation] }),
        new RegExp(`operation 1 \\(${operation.kind}\\): ${field}: column "\\w+" of type text with collation "no_such" is refused by the server: collation "no_such" for encoding "\\w+" does not exist`),
      );
      expect(error.hint).toMatch(/pg_collation/);
    }
    await rejectedAtStart(
      defineMigration({ name: 'bad_collation', operations: [op.addColumn({ table: 'users', column: { name: 'rank', type: 'integer', collation: 'C' } })] }),
      /operation 1 \(addColumn\): column: column "rank" of type integer with collation "C" is refused by the server: collations are not supported by type integer/,
    );
  });

  it('identity and generated columns added to an existing table are refused, with the online way in the hint', async () => {
    const identity = await rejectedAtStart(
      defineMigration({ name: 'add_identity', operations: [op.addColumn({ table: 'users', column: { name: 'n', type: 'bigint', identity: 'always' } })] }),
      /operation 1 \(addColumn\): column\.identity: adding identity column "n" to existing table "users" would rewrite the whole table under an ACCESS EXCLUSIVE lock/,
    );
    expect(identity.hint).toMatch(/op\.alterColumn\(\{ table: 'users', column: 'n', identity: \.\.\. \}\)/);
    const generated = await rejectedAtStart(
      defineMigration({ name: 'add_generated', operations: [op.addColumn({ table: 'users', column: { name: 'shout', type: 'text', generated: 'upper(name)' } })] }),
      /operation 1 \(addColumn\): column\.generated: adding stored generated column "shout" to existing table "users" would rewrite the whole table/,
    );
    expect(generated.hint).toMatch(/up: "upper\(name\)"/);
  });

  it('a column with two sources of values, or a generation expression the server refuses, is refused naming the field', async () => {
    await rejectedAtStart(
      defineMigration({ name: 'two_sources', operations: [op.createTable({ name: 'tags', columns: [{ name: 'id', type: 'integer', identity: 'always', default: '0' }] })] }),
      /operation 1 \(createTable\): columns\.0: "id" gives both "default" and "identity"; a column takes its value from one of them/,
    );
    await rejectedAtStart(
      defineMigration({ name: 'bad_generated', operations: [op.createTable({ name: 'tags', columns: [{ name: 'at', type: 'timestamptz', generated: 'now()' }] })] }),
      /operation 1 \(createTable\): columns\.0\.generated: column "at" cannot be generated as now\(\): .*immutable/,
    );
    await rejectedAtStart(
      defineMigration({ name: 'bad_identity', operations: [op.createTable({ name: 'tags', columns: [{ name: 'id', type: 'text', identity: 'byDefault' }] })] }),
      /operation 1 \(createTable\): columns\.0: column "id" of type text as an identity column is refused by the server: identity column type must be smallint, integer, or bigint/,
    );
  });

  it('alterColumn identity is refused on a nullable, non-integer or identity column, and with other changes', async () => {
    await fixture.target.db.exec(`CREATE TABLE seats (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n integer NOT NULL DEFAULT 0)`);
    const nullable = await rejectedAtStart(
      defineMigration({ name: 'identity_nullable', operations: [op.alterColumn({ table: 'users', column: 'age', identity: 'always' })] }),
      /operation 1 \(alterColumn\): identity: column "age" allows NULL; PostgreSQL makes only NOT NULL columns identity columns/,
    );
    expect(nullable.hint).toMatch(/op\.alterColumn\(\{ table: 'users', column: 'age', nullable: false \}\)/);
    await rejectedAtStart(
      defineMigration({ name: 'identity_text', operations: [op.alterColumn({ table: 'users', column: 'name', identity: 'always' })] }),
      /identity: column "name" is text; identity columns are smallint, integer or bigint/,
    );
    await rejectedAtStart(
      defineMigration({ name: 'identity_twice', operations: [op.alterColumn({ table: 'seats', column: 'id', identity: 'byDefault' })] }),
      /identity: column "id" is an identity column already/,
    );
    await rejectedAtStart(
      defineMigration({ name: 'identity_and_type', operations: [op.alterColumn({ table: 'seats', column: 'n', identity: 'always', type: 'bigint', up: 'n', down: 'n' })] }),
      /identity: turning "n" into an identity column cannot be combined with "type", "up", "down"/,
    );
    // Complete drops the serial sequence: another column that draws from it would stop the contract.
    await fixture.target.db.exec(`CREATE TABLE aliases (id integer PRIMARY KEY DEFAULT nextval('users_id_seq'))`);
    await rejectedAtStart(
      defineMigration({ name: 'identity_shared', operations: [op.alterColumn({ table: 'users', column: 'id', identity: 'always' })] }),
      /identity: sequence public\.users_id_seq of "id", which complete drops, is the default of 1 other columns too; they are: aliases\.id$/,
    );
  });

  it('op.sql with neither up nor onComplete, or a down without up, is refused naming the field', async () => {
    await rejectedAtStart(defineMigration({ name: 'sql_empty', operations: [op.sql({ down: 'SELECT 1' })] }), /invalid migration: operation 1: op\.sql needs "up" \(run at start\), "onComplete" \(run at complete\) or both; operation 1, field "down": "down" undoes "up" on rollback, and there is no "up"/);
  });

  it('op.sql whose up names an index an earlier operation builds after the expand transaction is refused', async () => {
    const error = await rejectedAtStart(
      defineMigration({
        name: 'sql_after_index',
        operations: [
          op.createIndex({ table: 'users', columns: ['email'], name: 'users_email_idx' }),
          op.sql({ up: 'ALTER INDEX users_email_idx SET (fillfactor = 80)', down: 'ALTER INDEX users_email_idx RESET (fillfactor)' }),
        ],
      }),
      /^migration "sql_after_index": operation 2 \(sql\): "up" names index "users_email_idx", which an operation before it builds concurrently after the expand transaction that runs "up"$/,
    );
    expect(error.hint).toBe('move the op.sql before the operation that builds the index, or into a migration of its own after this one');
  });

  it('op.sql whose onComplete names a column an earlier operation renames at the end of contract is refused', async () => {
    const error = await rejectedAtStart(
      defineMigration({
        name: 'sql_after_rename',
        operations: [op.renameColumn({ table: 'users', from: 'email', to: 'mail' }), op.sql({ onComplete: 'CREATE INDEX users_mail_idx ON users (mail)' })],
      }),
      /operation 2 \(sql\): "onComplete" names column "users"\."mail", which an operation before it renames only at the end of the contract transaction, after "onComplete" runs$/,
    );
    expect(error.hint).toMatch(/^move the op\.sql before that operation/);
  });

  it('an operation on a table an earlier op.sql creates is refused, naming the table and suggesting two migrations', async () => {
    const error = await rejectedAtStart(
      defineMigration({
        name: 'sql_then_change',
        operations: [
          op.sql({ up: 'CREATE TABLE tags (id serial PRIMARY KEY, label text)', down: 'DROP TABLE tags' }),
          op.addColumn({ table: 'tags', column: { name: 'color', type: 'text' } }),
        ],
      }),
      /operation 2 \(addColumn\): table "tags" does not exist in schema "public"$/,
    );
    expect(error.hint).toBe('tables in the new shape: users; if operation 1 (sql) creates it: Midair plans every operation from the tables as they are before start, so it cannot change what an op.sql of the same migration creates; create it in a migration of its own, complete that, then change it in the next one');
    });

  it('enum operations refuse an unknown enum, a listed-twice value, a value already there and a missing before/after label, naming the field', async () => {
    await fixture.target.db.exec(`CREATE TYPE mood AS ENUM ('low', 'high')`);
    await rejectedAtStart(
      defineMigration({ name: 'enum_unknown', operations: [op.addEnumValue({ enum: 'moood', value: 'mid' })] }),
      /^migration "enum_unknown": operation 1 \(addEnumValue\): enum: schema "public" has no enum type "moood"$/,
    );
    await rejectedAtStart(
      defineMigration({ name: 'enum_twice', operations: [op.createEnum({ name: 'state', values: ['open', 'shut', 'open'] })] }),
      /operation 1, field "values": "open" is listed twice; each value of an enum is unique/,
    );
    const present = await rejectedAtStart(
      defineMigration({ name: 'enum_present', operations: [op.addEnumValue({ enum: 'mood', value: 'high' })] }),
      /^migration "enum_present": operation 1 \(addEnumValue\): value: enum type "mood" already has the value "high"$/,
    );
    expect(present.hint).toMatch(/rolled back stays in the type/);
    const anchor = await rejectedAtStart(
      defineMigration({ name: 'enum_anchor', operations: [op.addEnumValue({ enum: 'mood', value: 'mid', before: 'medium' })] }),
      /^migration "enum_anchor": operation 1 \(addEnumValue\): before: enum type "mood" has no value "medium"$/,
    );
    expect(anchor.hint).toBe('its values: "low", "high"');
    await rejectedAtStart(
      defineMigration({ name: 'enum_rename', operations: [op.renameEnumValue({ enum: 'mood', from: 'mid', to: 'medium' })] }),
      /^migration "enum_rename": operation 1 \(renameEnumValue\): from: enum type "mood" has no value "mid"$/,
    );
    await rejectedAtStart(
      defineMigration({ name: 'enum_taken', operations: [op.createEnum({ name: 'users', values: ['a'] })] }),
      /^migration "enum_taken": operation 1 \(createEnum\): name: the type cannot be created: type "users" already exists$/,
    );
  });

  it('a column change between enums without down refuses labels the old enum lacks; dropEnum refuses an enum still in use', async () => {
    await fixture.target.db.exec(`CREATE TYPE mood AS ENUM ('low', 'high'); ALTER TABLE users ADD COLUMN mood mood`);
    await rejectedAtStart(
      defineMigration({ name: 'mood_more', operations: [op.createEnum({ name: 'mood2', values: ['low', 'mid', 'high'] }), op.alterColumn({ table: 'users', column: 'mood', type: 'mood2' })] }),
      /^migration "mood_more": operation 2 \(alterColumn\): down: mood2 has "mid", which mood lacks: a new-release write of one could not be given back to the old release$/,
    );
    await rejectedAtStart(
      defineMigration({ name: 'mood_drop', operations: [op.dropEnum({ name: 'mood' })] }),
      /^migration "mood_drop": operation 1 \(dropEnum\): name: enum type "mood" is still the type of "users"\."mood" in the new shape$/,
    );
  });

  it('a column change to an enum without up is refused when the old release could write what the new enum lacks, naming the labels', async () => {
    await fixture.target.db.exec(`CREATE TYPE mood AS ENUM ('low', 'mid', 'high'); ALTER TABLE users ADD COLUMN mood mood, ADD COLUMN level text`);
    const labels = await rejectedAtStart(
      defineMigration({ name: 'mood_less', operations: [op.createEnum({ name: 'mood2', values: ['low', 'high'] }), op.alterColumn({ table: 'users', column: 'mood', type: 'mood2', down: 'mood::text::mood' })] }),
      /^migration "mood_less": operation 2 \(alterColumn\): up: mood has "mid", which mood2 lacks: an old-release write of one could not be given to the new release$/,
    );
    expect(labels.hint).toBe(`give "up" mapping them to labels of mood2, e.g. up: "CASE mood::text WHEN 'mid' THEN 'low' ELSE mood::text END::mood2"`);
    const text = await rejectedAtStart(
      defineMigration({ name: 'level_any', operations: [op.createEnum({ name: 'level', values: ['low', 'high'] }), op.alterColumn({ table: 'users', column: 'level', type: 'level' })] }),
      /^migration "level_any": operation 2 \(alterColumn\): up: the old release can write any text into "level", and one that is not a label of level would fail its write$/,
    );
    expect(text.hint).toBe(`give "up" mapping every text to a label of level, e.g. up: "CASE WHEN level IN ('low', 'high') THEN level ELSE 'low' END::level"`);
  });

  it('dropEnum refuses an enum that an array column still has, and one that anything outside the tables uses as an array', async () => {
    await fixture.target.db.exec(`CREATE TYPE mood AS ENUM ('low', 'high'); ALTER TABLE users ADD COLUMN moods mood[]`);
    await rejectedAtStart(
      defineMigration({ name: 'moods_drop', operations: [op.dropEnum({ name: 'mood' })] }),
      /^migration "moods_drop": operation 1 \(dropEnum\): name: enum type "mood" is still the type of "users"\."moods" \(as mood\[\]\) in the new shape$/,
    );
    await fixture.target.db.exec(`ALTER TABLE users DROP COLUMN moods; CREATE FUNCTION first_mood(m mood[]) RETURNS text LANGUAGE sql AS 'SELECT m[1]::text'`);
    await rejectedAtStart(
      defineMigration({ name: 'mood_fn_drop', operations: [op.dropEnum({ name: 'mood' })] }),
      /^migration "mood_fn_drop": operation 1 \(dropEnum\): name: 1 objects outside the tables of "public" use enum type "mood", and DROP TYPE would fail at complete/,
    );
  });

  it('a column change from an enum refuses a check on the column that does not work for the new type, naming it', async () => {
    await fixture.target.db.exec(`CREATE TYPE mood AS ENUM ('low', 'high'); ALTER TABLE users ADD COLUMN mood mood, ADD CONSTRAINT users_mood_check CHECK (mood <> 'low'::mood)`);
    const error = await rejectedAtStart(
      defineMigration({ name: 'mood_text', operations: [op.alterColumn({ table: 'users', column: 'mood', type: 'text' })] }),
      /^migration "mood_text": operation 1 \(alterColumn\): check constraint "users_mood_check" cannot be carried over to "mood" as text: operator does not exist: text <> mood/,
    );
    expect(error.hint).toMatch(/^drop the constraint first/);
  });

  it('an index option the server would refuse is refused at start naming its field, before any build', async () => {
    for (const [operation, message] of [
      [op.createIndex({ table: 'users', columns: [{ expression: 'nosuch(email)' }] }), /operation 1 \(createIndex\): "columns\.0\.expression" fails: function nosuch\(text\) does not exist/],
      [op.createIndex({ table: 'users', columns: ['name', { column: 'email', opclass: 'nosuch_ops' }] }), /operation 1 \(createIndex\): columns\.1: the index "users_name_email_idx" cannot be built on "users": operator class "nosuch_ops" does not exist for access method "btree"/],
      [op.createIndex({ table: 'users', columns: [{ column: 'email', collation: 'nosuch' }] }), /operation 1 \(createIndex\): columns\.0: .*collation "nosuch" .*does not exist/],
      [op.createIndex({ table: 'users', columns: ['age'], method: 'gin' }), /operation 1 \(createIndex\): columns\.0: .*data type integer has no default operator class for access method "gin"/],
      [op.createIndex({ table: 'users', columns: ['age'], with: { fillfactr: 70 } }), /operation 1 \(createIndex\): the index "users_age_idx" cannot be built on "users": unrecognized parameter "fillfactr"/],
      [op.createIndex({ table: 'users', columns: ['email'], include: ['nope'] }), /operation 1 \(createIndex\): include: table "users" has no column "nope"/],
      [op.createIndex({ table: 'users', columns: ['email'], nullsNotDistinct: true }), /operation 1 \(createIndex\): nullsNotDistinct: only a unique index can treat NULLs as equal/],
      [op.addConstraint({ table: 'users', name: 'users_age_check', check: 'age > 0', include: ['name'] }), /operation 1 \(addConstraint\): "include" and "nullsNotDistinct" go with "unique"/],
    ] as const) {
      await rejectedAtStart(defineMigration({ name: 'bad_index', operations: [operation] }), message);
    }
  });

  it('a unique index on an expression, or with NULLs not distinct, is refused at start when existing rows collide', async () => {
    await fixture.target.db.exec(`UPDATE users SET email = 'ANN@x.io' WHERE id = 2`);
    await rejectedAtStart(
      defineMigration({ name: 'lower_email', operations: [op.createIndex({ table: 'users', columns: [{ expression: 'lower(email)' }], unique: true })] }),
      /operation 1 \(createIndex\): the unique index "users_expr_idx" on "users" \(lower\(email\)\) cannot be built: 1 values are held by more than one row; they are: lower\(email\)='ann@x\.io' in 2 rows/,
    );
    await fixture.target.db.exec(`UPDATE users SET age = NULL WHERE id IN (1, 3)`);
    await rejectedAtStart(
      defineMigration({ name: 'age_key', operations: [op.addConstraint({ table: 'users', name: 'users_age_key', unique: ['age'], nullsNotDistinct: true })] }),
      /operation 1 \(addConstraint\): the unique constraint "users_age_key" on "users" \(age\) cannot be built: 1 values are held by more than one row; they are: age=NULL in 2 rows/,
    );
  });

  it('a unique index whose INCLUDE column the migration adds is still refused at start when existing keys collide', async () => {
    await fixture.target.db.exec(`UPDATE users SET email = 'ann@x.io' WHERE id = 2`);
    await rejectedAtStart(
      defineMigration({
        name: 'email_nick',
        operations: [
          op.addColumn({ table: 'users', column: { name: 'nick', type: 'text' }, up: 'name' }),
          op.createIndex({ table: 'users', columns: ['email'], unique: true, include: ['nick'] }),
        ],
      }),
      /operation 2 \(createIndex\): the unique index "users_email_idx" on "users" \(email\) cannot be built: 1 values are held by more than one row; they are: email='ann@x\.io' in 2 rows/,
    );
  });

  it('an exclusion constraint on an existing table is refused: PostgreSQL would build its index under ACCESS EXCLUSIVE', async () => {
    const error = await rejectedAtStart(
      defineMigration({ name: 'age_excl', operations: [op.addConstraint({ table: 'users', name: 'users_age_excl', exclude: { elements: [{ expression: `int4range(age, age, '[]')`, operator: '&&' }] } })] }),
      /^migration "age_excl": operation 1 \(addConstraint\): exclude: PostgreSQL can add an exclusion constraint to an existing table only by building its index under ACCESS EXCLUSIVE .*every read and write of "users" would wait for the whole build$/,
    );
    expect(error.hint).toMatch(/^add it in a quiet window with op\.sql \(up: ALTER TABLE "users" ADD CONSTRAINT "users_age_excl" EXCLUDE \.\.\..* or create the table with it \(createTable "exclusions"\)$/);
  });
});

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
