import { describe, expect, it } from 'vitest';
import { defineMigration, op, type Migration } from '../src/index.js';
import { resetTarget, midairError } from './support/resetTarget.js';
import { DRIVERS } from './support/targets.js';
import { USERS } from './support/badInputUsers.js';

// Migrations refused at start (or stopped at backfill) with a message naming the operation and field.
// The other themes: badInputConstraints, badInputColumns, badInputSameMigration.

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
});
