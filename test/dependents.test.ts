import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineMigration, MidairError, op, type Migration } from '../src/index.js';
import { openTarget, type Target } from './support/targets.js';

const BASE = `CREATE TABLE users (id int PRIMARY KEY, name text, email text, score int);
INSERT INTO users VALUES (1, 'ann', 'a@x', 1), (2, 'bob', 'b@x', 2);`;

const dropName = defineMigration({ name: 'drop_name', operations: [op.dropColumn({ table: 'users', column: 'name' })] });
const retypeScore = defineMigration({
  name: 'retype_score',
  operations: [op.alterColumn({ table: 'users', column: 'score', type: 'bigint', up: 'score::bigint', down: 'score::int' })],
});
const dropUsers = defineMigration({ name: 'drop_users', operations: [op.dropTable({ name: 'users' })] });

interface RefusedCase {
  title: string;
  setup: string;
  migration: Migration;
  /** What the refusal must name: the dependent object and the column or table it needs. */
  names: RegExp[];
}

const REFUSED: RefusedCase[] = [
  { title: 'a view over a dropped column', setup: `CREATE VIEW user_names AS SELECT id, name FROM users`, migration: dropName, names: [/view "public"\."user_names"/, /"users"\."name"/] },
  {
    title: 'a view over a view over a dropped column',
    setup: `CREATE VIEW user_names AS SELECT id, name FROM users; CREATE VIEW short_names AS SELECT name FROM user_names WHERE length(name) < 4`,
    migration: dropName,
    names: [/view "public"\."user_names"/, /view "public"\."short_names"/],
  },
  { title: 'a materialized view over a retyped column', setup: `CREATE MATERIALIZED VIEW top AS SELECT id, score FROM users`, migration: retypeScore, names: [/materialized view "public"\."top"/, /"users"\."score"/] },
  { title: 'a generated column over a dropped column', setup: `ALTER TABLE users ADD COLUMN upper_name text GENERATED ALWAYS AS (upper(name)) STORED`, migration: dropName, names: [/generated column "upper_name" of table "public"\."users"/] },
  {
    title: 'a foreign key from another table to a dropped column',
    setup: `ALTER TABLE users ADD UNIQUE (name); CREATE TABLE notes (author text REFERENCES users (name))`,
    migration: dropName,
    names: [/foreign key "notes_author_fkey" of table "public"\."notes"/],
  },
  { title: 'a foreign key from another table to a dropped table', setup: `CREATE TABLE notes (user_id int REFERENCES users)`, migration: dropUsers, names: [/foreign key "notes_user_id_fkey" of table "public"\."notes"/, /table "users"/] },
  { title: 'a view over a dropped table', setup: `CREATE VIEW everyone AS SELECT * FROM users`, migration: dropUsers, names: [/view "public"\."everyone"/] },
  { title: 'a row-level security policy naming a retyped column', setup: `ALTER TABLE users ENABLE ROW LEVEL SECURITY; CREATE POLICY scored ON users USING (score > 0)`, migration: retypeScore, names: [/policy "scored" on table "public"\."users"/] },
  {
    title: 'a trigger that fires on UPDATE OF a dropped column',
    setup: `CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
      CREATE TRIGGER name_changed BEFORE UPDATE OF name ON users FOR EACH ROW EXECUTE FUNCTION noop()`,
    migration: dropName,
    names: [/trigger "name_changed" on table "public"\."users"/],
  },
  { title: 'a publication whose column list names a dropped column', setup: `CREATE PUBLICATION feed FOR TABLE users (id, name)`, migration: dropName, names: [/publication "feed"/] },
  {
    title: 'a table inheriting from a changed table',
    setup: `CREATE TABLE admins (level int) INHERITS (users)`,
    migration: retypeScore,
    names: [/table "public"\."admins" inherits from "public"\."users"/],
  },
  {
    title: 'a view over a partition of a partitioned table whose column is dropped',
    setup: `CREATE TABLE events (id int, region text, body text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
      CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');
      CREATE VIEW eu_bodies AS SELECT body FROM events_eu`,
    migration: defineMigration({ name: 'drop_body', operations: [op.dropColumn({ table: 'events', column: 'body' })] }),
    names: [/view "public"\."eu_bodies"/, /"events_eu"\."body"/],
  },
];

/** Objects that depend on what a migration drops are found by plan and start, before anything changes. */
describe('dependents (real PostgreSQL)', () => {
  let target: Target;
  beforeAll(async () => {
    target = await openTarget('postgres', 'dependents');
  });
  afterAll(async () => {
    await target?.close();
  });

  it.each(REFUSED)('plan and start refuse $title, naming it, with the database unchanged', async (c) => {
    await target.reset();
    await target.db.exec(`${BASE}\n${c.setup}`);
    const midair = target.midair();
    await midair.init();
    const before = await target.snapshot();
    for (const attempt of [() => midair.plan(c.migration), () => midair.start(c.migration)]) {
      const error = await attempt().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(MidairError);
      for (const name of c.names) expect((error as MidairError).message).toMatch(name);
      expect((error as MidairError).hint).toBeTruthy();
    }
    expect(await target.snapshot()).toEqual(before);
    expect(await midair.status()).toMatchObject({ active: [] });
  });

  it('a view over a renamed table and a renamed column keeps working through complete (views bind by OID)', async () => {
    await target.reset();
    await target.db.exec(`${BASE}\nCREATE VIEW user_names AS SELECT id, name FROM users`);
    const midair = target.midair();
    const renames = defineMigration({
      name: 'renames',
      operations: [op.renameTable({ from: 'users', to: 'people' }), op.renameColumn({ table: 'people', from: 'name', to: 'full_name' })],
    });
    await midair.start(renames);
    await midair.backfill();
    await midair.complete();
    const old = await target.old();
    await old.query(`INSERT INTO people (id, full_name) VALUES (3, 'cy')`);
    expect(await old.query(`SELECT * FROM user_names ORDER BY id`)).toEqual([{ id: 1, name: 'ann' }, { id: 2, name: 'bob' }, { id: 3, name: 'cy' }]);
  });

  it('plan and start warn about a trigger function whose body names a column the migration renames or drops', async () => {
    await target.reset();
    await target.db.exec(`${BASE}
      CREATE FUNCTION tidy_user() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW."name" := trim(NEW.name); RETURN NEW; END $$;
      CREATE FUNCTION stamp_user() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE NOTICE 'name changed'; RETURN NEW; END $$;
      CREATE TRIGGER tidy_user BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION tidy_user();
      CREATE TRIGGER stamp_user BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION stamp_user();`);
    const midair = target.midair();
    const rename = defineMigration({ name: 'full_name', operations: [op.renameColumn({ table: 'users', from: 'name', to: 'full_name' })] });
    const warning = /^trigger "tidy_user" on "users" runs tidy_user\(\), whose body names column "name", which this migration drops or renames/;
    // stamp_user names "name" only inside a string: no warning.
    expect((await midair.plan(rename)).warnings).toEqual([expect.stringMatching(warning)]);
    expect((await midair.start(rename)).warnings).toEqual([expect.stringMatching(warning)]);
    await midair.rollback();
  });

  it("the previous migration's version schema is no dependent: complete drops it first", async () => {
    await target.reset();
    await target.db.exec(BASE);
    const midair = target.midair();
    await midair.start(defineMigration({ name: 'first', operations: [op.renameColumn({ table: 'users', from: 'email', to: 'mail' })] }));
    await midair.complete();
    await midair.start(dropName);
    await midair.complete();
    const old = await target.old();
    expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual([{ id: 1, mail: 'a@x', score: 1 }, { id: 2, mail: 'b@x', score: 2 }]);
  });
});
