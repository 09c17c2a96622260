import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineMigration, MidairRefusal, op } from '../../src/index.js';
import { freshDatabase, tempDir, type TestDatabase } from '../support/databases.js';
import { columnsOf, describeOperationCases, type OperationCase } from '../support/operationCase.js';
import { makeProject } from '../support/project.js';
import { resetTarget, midairError } from '../support/resetTarget.js';
import { expectSuccess, runCli } from '../support/runCli.js';
import { DRIVERS, type Shape } from '../support/targets.js';
import { runUnderWrites } from '../support/underWrites.js';

// Every op.sql statement appends what it sees to `steps`, so the log proves when each one ran.
const SETUP = `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, legacy_a text, legacy_b text);
INSERT INTO users (name, legacy_a, legacy_b) VALUES ('ann', 'a1', 'b1'), ('bob', 'a2', 'b2');
CREATE TABLE steps (seq serial PRIMARY KEY, what text NOT NULL);
CREATE FUNCTION has_column(t text, c text) RETURNS boolean LANGUAGE sql
  AS $$ SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(t) AND attname = c AND NOT attisdropped) $$;
CREATE FUNCTION legacy_total() RETURNS bigint LANGUAGE sql AS $$ SELECT count(legacy_a) FROM public.users $$;`;

/** An INSERT into the log: `label` and, for each column of users, whether it exists when the statement runs. */
const logs = (label: string, ...columns: string[]) =>
  `INSERT INTO steps (what) VALUES ('${label}:' ${columns.map((c) => `|| ' ${c}=' || has_column('public.users', '${c}')`).join(' ')})`;

const logged = async (shape: Shape) => (await shape.query<{ what: string }>('SELECT what FROM steps ORDER BY seq')).map((r) => r.what);

const functionsOf = async (shape: Shape) =>
  (await shape.query<{ f: string }>(`SELECT proname AS f FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1`)).map((r) => r.f);

const CASES: OperationCase[] = [
  {
    title: 'op.sql between other operations: up, onComplete and down each run at its place',
    setup: SETUP,
    migration: defineMigration({
      name: 'sql_in_order',
      operations: [
        op.addColumn({ table: 'users', column: { name: 'nick', type: 'text' } }),
        op.dropColumn({ table: 'users', column: 'legacy_a' }),
        op.sql({ up: logs('up 3', 'nick', 'email'), down: logs('down 3', 'nick', 'email'), onComplete: logs('complete 3', 'legacy_a', 'legacy_b') }),
        op.addColumn({ table: 'users', column: { name: 'email', type: 'text' } }),
        op.dropColumn({ table: 'users', column: 'legacy_b' }),
      ],
    }),
    async expanded({ old, next }) {
      // Operation 1's column exists when up runs, operation 4's not yet.
      expect(await logged(old)).toEqual(['up 3: nick=true email=false']);
      await old.query(`INSERT INTO users (name, legacy_a, legacy_b) VALUES ('cy', 'a3', 'b3')`);
      await next.query(`INSERT INTO users (name, nick, email) VALUES ('dee', 'd', 'dee@x.io')`);
      expect(await next.query('SELECT id, name, nick, email FROM users ORDER BY id')).toEqual([
        { id: 1, name: 'ann', nick: null, email: null }, { id: 2, name: 'bob', nick: null, email: null },
        { id: 3, name: 'cy', nick: null, email: null }, { id: 4, name: 'dee', nick: 'd', email: 'dee@x.io' },
      ]);
    },
    async completed({ old }) {
      // Operation 2 dropped its column before onComplete ran, operation 5 after.
      expect(await logged(old)).toEqual(['up 3: nick=true email=false', 'complete 3: legacy_a=false legacy_b=true']);
      expect(await columnsOf(old, 'users')).toEqual([`id integer NOT NULL DEFAULT nextval('users_id_seq'::regclass)`, 'name text NOT NULL', 'nick text', 'email text']);
    },
    async rolledBack(old) {
      // Newest first: operation 4's column is gone when down runs, operation 1's is still there.
      expect(await logged(old)).toEqual(['up 3: nick=true email=false', 'down 3: nick=true email=false']);
      expect(await old.query('SELECT id, name, legacy_a, legacy_b FROM users ORDER BY id')).toEqual([
        { id: 1, name: 'ann', legacy_a: 'a1', legacy_b: 'b1' }, { id: 2, name: 'bob', legacy_a: 'a2', legacy_b: 'b2' },
        { id: 3, name: 'cy', legacy_a: 'a3', legacy_b: 'b3' }, { id: 4, name: 'dee', legacy_a: null, legacy_b: null },
      ]);
    },
  },
  {
    title: 'op.sql with only onComplete: nothing at start, dropped at complete, nothing to undo',
    setup: SETUP,
    migration: defineMigration({
      name: 'drop_legacy_total',
      operations: [
        op.renameColumn({ table: 'users', from: 'name', to: 'full_name' }),
        // After the rename, and naming neither name of the column: accepted.
        op.sql({ onComplete: 'DROP FUNCTION legacy_total()' }),
      ],
    }),
    async expanded({ old, next }) {
      expect(await functionsOf(old)).toEqual(['has_column', 'legacy_total']);
      expect(await old.query('SELECT legacy_total()::int AS n')).toEqual([{ n: 2 }]);
      await next.query(`INSERT INTO users (full_name) VALUES ('cy')`);
      expect(await old.query('SELECT name FROM users WHERE id = 3')).toEqual([{ name: 'cy' }]);
    },
    async completed({ old }) {
      expect(await functionsOf(old)).toEqual(['has_column']);
      expect(await old.query('SELECT full_name FROM users ORDER BY id')).toEqual([{ full_name: 'ann' }, { full_name: 'bob' }, { full_name: 'cy' }]);
    },
    async rolledBack(old) {
      expect(await functionsOf(old)).toEqual(['has_column', 'legacy_total']);
      expect(await logged(old)).toEqual([]);
    },
  },
];

describeOperationCases('raw_sql', CASES);

const GREET = `CREATE FUNCTION greet() RETURNS text LANGUAGE sql
  AS $$ SELECT 'hi' $$`;
const WITHOUT_DOWN = defineMigration({
  name: 'no_down',
  operations: [op.addColumn({ table: 'users', column: { name: 'nick', type: 'text' } }), op.sql({ up: GREET })],
});
const LEFT = 'operation 2 (sql) `CREATE FUNCTION greet() RETURNS text LANGUAGE sql`';

describe.each(DRIVERS)('%s: op.sql without down', (kind) => {
  const fixture = resetTarget(kind, 'raw_sql_no_down', SETUP);

  it('plan says it cannot be undone; rollback refuses naming the step and changes nothing', async () => {
    const { midair, target } = fixture;
    const plan = await midair.plan(WITHOUT_DOWN);
    expect(plan.warnings).toContain('operation 2 (sql): cannot be undone: it has no "down", so rollback refuses unless forced (`midair rollback --force --reason "<why>"`), which leaves the effect of `CREATE FUNCTION greet() RETURNS text LANGUAGE sql` in place');
    expect(plan.rollback.some((s) => s.sql.includes('greet'))).toBe(false);
    await midair.start(WITHOUT_DOWN);
    const started = await target.snapshot();
    const error = await midairError(midair.rollback());
    expect(error).toBeInstanceOf(MidairRefusal);
    expect((error as MidairRefusal).reason).toBe('irreversible');
    expect(error.message).toBe(`rollback cannot undo ${LEFT} of migration "no_down": op.sql without "down", so its effect would stay in place`);
    expect(error.hint).toMatch(/^run `midair rollback no_down --force --reason "<why>"` \(library: rollback\(name, \{ force: \{ reason \} \}\)\) to roll back everything else and leave it in place/);
    expect(await target.snapshot()).toEqual(started);
    expect((await midair.status()).active.map((m) => m.stage)).toEqual(['expanded']);
  });

  it('forced, rollback undoes everything else, leaves the step in place and says so in its result and the audit log', async () => {
    const { midair, target } = fixture;
    const before = await target.snapshot();
    await midair.start(WITHOUT_DOWN);
    const result = await midair.rollback(undefined, { force: { reason: 'greet may stay' } });
    expect(result).toEqual({ migration: 'no_down', stage: 'rolled_back', droppedRows: {}, leftInPlace: [LEFT] });
    const after = await target.snapshot();
    // Exactly the function that up created is left; nick and the version schema are gone.
    expect(before.catalog.filter((line) => !after.catalog.includes(line))).toEqual([]);
    expect(after.catalog.filter((line) => !before.catalog.includes(line))).toEqual([expect.stringMatching(/^function public\.greet\(\) /)]);
    const audit = await target.db.query<{ action: string; details: { forced?: { reason: string; overridden: string[] }; leftInPlace?: string[] } }>(
      `SELECT action, details FROM midair.audit_log WHERE migration = 'no_down' AND action IN ('rollback', 'rolled back') ORDER BY id`,
    );
    expect(audit.map((a) => a.action)).toEqual(['rollback', 'rolled back']);
    expect(audit[0]!.details.forced).toEqual({ reason: 'greet may stay', overridden: [expect.stringContaining(`rollback cannot undo ${LEFT}`)] });
    expect(audit[1]!.details.leftInPlace).toEqual([LEFT]);
  });

  it('completes without down: up ran at start and stays', async () => {
    const { midair, target } = fixture;
    await midair.start(WITHOUT_DOWN);
    await midair.backfill();
    await midair.verify();
    await midair.complete();
    expect(await target.db.query('SELECT greet() AS g')).toEqual([{ g: 'hi' }]);
  });
});

describe('postgres: an onComplete that fails', () => {
  const fixture = resetTarget('postgres', 'raw_sql_on_complete_fails', SETUP);

  it('leaves nothing of contract applied, the migration where it was, and rollback possible', async () => {
    const { midair, target } = fixture;
    await midair.start(defineMigration({
      name: 'fails_at_complete',
      operations: [op.dropColumn({ table: 'users', column: 'legacy_a' }), op.sql({ onComplete: 'DROP FUNCTION no_such_function()' })],
    }));
    await midair.backfill();
    await midair.verify();
    const expanded = await target.snapshot();
    const error = await midairError(midair.complete());
    expect(error.message).toMatch(/^complete failed at `DROP FUNCTION no_such_function\(\)`: function no_such_function\(\) does not exist/);
    expect(await target.snapshot()).toEqual(expanded);
    expect((await midair.status()).active.map((m) => m.stage)).toEqual(['expanded']);
    expect(await midair.rollback()).toEqual({ migration: 'fails_at_complete', stage: 'rolled_back', droppedRows: {} });
    expect(await target.db.query('SELECT legacy_a FROM users ORDER BY id')).toEqual([{ legacy_a: 'a1' }, { legacy_a: 'a2' }]);
  });
});

describe('the CLI: rollback of op.sql without down', () => {
  let database: TestDatabase;
  let dir: ReturnType<typeof tempDir>;
  const cli = (...args: string[]) => runCli(dir.path, [...args, '--database', database.url]);

  beforeAll(async () => {
    database = await freshDatabase('raw_sql_cli');
    dir = tempDir('raw_sql_cli');
    makeProject(dir.path, {
      'migrations/001_greet.ts': `import { defineMigration, op } from 'midair';
export default defineMigration({ name: 'greet', operations: [op.sql({ up: ${JSON.stringify(GREET)} })] });
`,
    });
  });
  afterAll(async () => {
    dir?.remove();
    await database?.drop();
  });

  it('plan says it cannot be undone; rollback refuses with exit 2; --force --reason rolls back and says what it left', async () => {
    expectSuccess(await cli('init'), 'init');
    expect(expectSuccess(await cli('plan', 'greet', '--no-sample'), 'plan').stdout).toContain('operation 1 (sql): cannot be undone: it has no "down"');
    expectSuccess(await cli('start', 'greet'), 'start');
    const refused = await cli('rollback');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('rollback cannot undo operation 1 (sql) `CREATE FUNCTION greet() RETURNS text LANGUAGE sql` of migration "greet"');
    expect(refused.stderr).toContain('midair rollback greet --force --reason "<why>"');
    const forced = expectSuccess(await cli('rollback', '--force', '--reason', 'greet may stay'), 'rollback --force');
    expect(forced.stdout).toContain('left in place: operation 1 (sql) `CREATE FUNCTION greet() RETURNS text LANGUAGE sql` (op.sql without "down"; recorded in the audit log)');
    expect(forced.stderr).toContain('forced past: rollback cannot undo operation 1 (sql)');
    expect(forced.stderr).toContain('reason "greet may stay" recorded in the audit log');
  });
});

describe('op.sql between two operations while both releases write', () => {
  const setup = `CREATE TABLE items (id integer PRIMARY KEY, value text);
INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 200) g;
CREATE TABLE steps (seq serial PRIMARY KEY, what text NOT NULL);`;
  const migration = defineMigration({
    name: 'sql_between',
    operations: [
      op.addColumn({ table: 'items', column: { name: 'note', type: 'text' } }),
      op.sql({
        up: `CREATE FUNCTION item_label(i items) RETURNS text LANGUAGE sql AS $$ SELECT i.id || ':' || coalesce(i.note, '-') $$`,
        down: 'DROP FUNCTION item_label(items)',
        onComplete: `INSERT INTO steps (what) VALUES ('completed')`,
      }),
      op.renameColumn({ table: 'items', from: 'value', to: 'amount' }),
    ],
  });
  const c = { label: 'raw_sql_writes', setup, rows: 200, migration, old: { table: 'items', column: 'value' }, next: { table: 'items', column: 'amount' } };

  it('complete: no acknowledged write lost, onComplete ran, the function up made (over operation 1\'s column) stays', () =>
    runUnderWrites(c, 'complete', async (db) => {
      expect((await db.query('SELECT what FROM steps')).rows).toEqual([{ what: 'completed' }]);
      expect((await db.query(`SELECT item_label(i) AS l FROM items i WHERE id = 1`)).rows).toEqual([{ l: '1:-' }]);
    }));

  it('rollback: no acknowledged write lost, down dropped the function, onComplete never ran', () =>
    runUnderWrites(c, 'rollback', async (db) => {
      expect((await db.query('SELECT what FROM steps')).rows).toEqual([]);
      expect((await db.query(`SELECT to_regprocedure('item_label(items)') AS f`)).rows).toEqual([{ f: null }]);
    }));
});
