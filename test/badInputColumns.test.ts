import { describe, expect, it } from 'vitest';
import { defineMigration, op, type Migration } from '../src/index.js';
import { resetTarget } from './support/resetTarget.js';
import { DRIVERS } from './support/targets.js';
import { USERS } from './support/badInputUsers.js';

// Refusals about collations, identity and generated columns, op.sql, enums, index options and exclusion constraints.

describe.each(DRIVERS)('%s: bad input about columns, op.sql, enums and indexes', (kind) => {
  const fixture = resetTarget(kind, 'bad_input_columns', USERS);

  const rejectedAtStart = (migration: Migration, message: RegExp) => fixture.refused(migration, message);

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
