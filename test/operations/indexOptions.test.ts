import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineMigration, op, type Operation } from '../../src/index.js';
import { readCatalog } from '../../src/catalog/read.js';
import { compile } from '../../src/migration/compile.js';
import { openTarget, type Target } from '../support/targets.js';
import { constraintsOf, describeOperationCases, indexesOf, type OperationCase, type Shapes } from '../support/operationCase.js';
import { runUnderWrites } from '../support/underWrites.js';

const USERS = `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text, age integer);
INSERT INTO users (name, email, age) VALUES ('ann', 'ann@x.io', 30), ('bob', NULL, 40), ('cy', 'cy@x.io', 50);`;
const PKEY = 'CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)';

// Refused inserts take serial values: rows are named by name, not id.
const AFTER_WRITES = [{ name: 'ann', age: 30 }, { name: 'bob', age: 41 }, { name: 'cy', age: 50 }, { name: 'dee', age: 20 }];

/** Both releases write while the index builds and after: each sees the other's rows. */
async function bothShapesWrite({ old, next }: Shapes): Promise<void> {
  await old.query(`INSERT INTO users (name, email, age) VALUES ('dee', 'dee@x.io', 20)`);
  await next.query(`UPDATE users SET age = 41 WHERE id = 2`);
  expect(await next.query(`SELECT name, age FROM users ORDER BY name`)).toEqual(AFTER_WRITES);
  expect(await old.query(`SELECT name, age FROM users ORDER BY name`)).toEqual(AFTER_WRITES);
}

/**
 * One createIndex option on users: the index is there from start on (`refuses`: a write it must
 * refuse), exactly as `definition` after complete, and gone after rollback.
 */
function indexCase(title: string, operation: Operation, definition: string, refuses?: { sql: string; error: RegExp }): OperationCase {
  return {
    title,
    setup: USERS,
    migration: defineMigration({ name: 'index_option', operations: [operation] }),
    async expanded(shapes) {
      expect(await indexesOf(shapes.old, 'users')).toEqual([definition, PKEY].sort());
      if (refuses) await expect(shapes.next.query(refuses.sql)).rejects.toThrow(refuses.error);
      await bothShapesWrite(shapes);
    },
    async completed({ old, next }) {
      expect(await indexesOf(old, 'users')).toEqual([definition, PKEY].sort());
      if (refuses) await expect(next.query(refuses.sql)).rejects.toThrow(refuses.error);
      expect(await old.query(`SELECT count(*)::int AS n FROM users`)).toEqual([{ n: 4 }]);
    },
    async rolledBack(old) {
      expect(await indexesOf(old, 'users')).toEqual([PKEY]);
      expect(await old.query(`SELECT name, age FROM users ORDER BY name`)).toEqual(AFTER_WRITES);
    },
  };
}

const EVENTS = `CREATE TABLE events (id int, region text, note text, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu');
CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us');
INSERT INTO events VALUES (1, 'eu', 'One'), (2, 'eu', 'Two'), (3, 'us', 'One');`;

const partitioned: OperationCase = {
  title: 'createIndex with expression, include and storage parameters on a partitioned table',
  setup: EVENTS,
  migration: defineMigration({
    name: 'event_notes',
    operations: [op.createIndex({
      table: 'events', name: 'events_note_idx', unique: true,
      columns: ['region', { expression: 'lower(note)', order: 'desc' }], include: ['id'], with: { fillfactor: 80 },
    })],
  }),
  async expanded({ old, next }) {
    await expect(next.query(`INSERT INTO events VALUES (9, 'eu', 'ONE')`)).rejects.toThrow(/events_eu_events_note_idx/);
    await old.query(`INSERT INTO events VALUES (4, 'us', 'Two')`);
    expect(await next.query(`SELECT id FROM events WHERE region = 'us' ORDER BY id`)).toEqual([{ id: 3 }, { id: 4 }]);
  },
  async completed({ old }) {
    const tail = `USING btree (region, lower(note) DESC) INCLUDE (id) WITH (fillfactor='80')`;
    expect(await indexesOf(old, 'events')).toEqual([
      `CREATE UNIQUE INDEX events_note_idx ON ONLY public.events ${tail}`,
      'CREATE UNIQUE INDEX events_pkey ON ONLY public.events USING btree (id, region)',
    ]);
    expect(await indexesOf(old, 'events_us')).toEqual([
      `CREATE UNIQUE INDEX events_us_events_note_idx ON public.events_us ${tail}`,
      'CREATE UNIQUE INDEX events_us_pkey ON public.events_us USING btree (id, region)',
    ]);
    await expect(old.query(`INSERT INTO events VALUES (8, 'us', 'two')`)).rejects.toThrow(/events_us_events_note_idx/);
  },
  async rolledBack(old) {
    expect(await indexesOf(old, 'events')).toEqual(['CREATE UNIQUE INDEX events_pkey ON ONLY public.events USING btree (id, region)']);
    expect(await indexesOf(old, 'events_eu')).toEqual(['CREATE UNIQUE INDEX events_eu_pkey ON public.events_eu USING btree (id, region)']);
    expect(await old.query(`SELECT count(*)::int AS n FROM events`)).toEqual([{ n: 4 }]);
  },
};

/** addConstraint unique with include or nullsNotDistinct: a UNIQUE constraint after complete, nothing after rollback. */
function uniqueCase(title: string, operation: Operation, constraint: string, refuses: { sql: string; error: RegExp }): OperationCase {
  return {
    title,
    setup: USERS,
    migration: defineMigration({ name: 'unique_option', operations: [operation] }),
    async expanded(shapes) {
      await expect(shapes.old.query(refuses.sql)).rejects.toThrow(refuses.error);
      await bothShapesWrite(shapes);
    },
    async completed({ old, next }) {
      expect(await constraintsOf(old, 'users')).toEqual([constraint, 'users_pkey PRIMARY KEY (id)']);
      await expect(next.query(refuses.sql)).rejects.toThrow(refuses.error);
    },
    async rolledBack(old) {
      expect(await constraintsOf(old, 'users')).toEqual(['users_pkey PRIMARY KEY (id)']);
      expect(await indexesOf(old, 'users')).toEqual([PKEY]);
    },
  };
}

describeOperationCases('index_options', [
  indexCase('createIndex with storage parameters', op.createIndex({ table: 'users', columns: ['age'], with: { fillfactor: 70, deduplicate_items: false } }),
    `CREATE INDEX users_age_idx ON public.users USING btree (age) WITH (fillfactor='70', deduplicate_items='false')`),
  indexCase('createIndex with an operator class', op.createIndex({ table: 'users', columns: [{ column: 'email', opclass: 'text_pattern_ops' }] }),
    'CREATE INDEX users_email_idx ON public.users USING btree (email text_pattern_ops)'),
  indexCase('createIndex with a collation', op.createIndex({ table: 'users', columns: [{ column: 'name', collation: 'C' }] }),
    'CREATE INDEX users_name_idx ON public.users USING btree (name COLLATE "C")'),
  indexCase('createIndex with order and nulls', op.createIndex({ table: 'users', columns: ['name', { column: 'age', order: 'desc', nulls: 'last' }] }),
    'CREATE INDEX users_name_age_idx ON public.users USING btree (name, age DESC NULLS LAST)'),
  indexCase('createIndex with include', op.createIndex({ table: 'users', columns: ['email'], include: ['name', 'age'], unique: true }),
    'CREATE UNIQUE INDEX users_email_idx ON public.users USING btree (email) INCLUDE (name, age)',
    { sql: `UPDATE users SET email = 'ann@x.io' WHERE id = 3`, error: /users_email_idx/ }),
  indexCase('createIndex unique with nullsNotDistinct', op.createIndex({ table: 'users', columns: ['email'], unique: true, nullsNotDistinct: true }),
    'CREATE UNIQUE INDEX users_email_idx ON public.users USING btree (email) NULLS NOT DISTINCT',
    { sql: `INSERT INTO users (name) VALUES ('nul')`, error: /users_email_idx/ }),
  indexCase('createIndex on an expression', op.createIndex({ table: 'users', columns: [{ expression: 'lower(email)' }], unique: true, where: 'age > 18' }),
    'CREATE UNIQUE INDEX users_expr_idx ON public.users USING btree (lower(email)) WHERE (age > 18)',
    { sql: `INSERT INTO users (name, email, age) VALUES ('x', 'ANN@x.io', 60)`, error: /users_expr_idx/ }),
  partitioned,
  uniqueCase('addConstraint unique with include', op.addConstraint({ table: 'users', name: 'users_email_key', unique: ['email'], include: ['name'] }),
    'users_email_key UNIQUE (email) INCLUDE (name)', { sql: `INSERT INTO users (name, email) VALUES ('x', 'cy@x.io')`, error: /users_email_key/ }),
  uniqueCase('addConstraint unique with nullsNotDistinct', op.addConstraint({ table: 'users', name: 'users_email_key', unique: ['email'], nullsNotDistinct: true }),
    'users_email_key UNIQUE NULLS NOT DISTINCT (email)', { sql: `INSERT INTO users (name) VALUES ('nul')`, error: /users_email_key/ }),
]);

const ACCOUNTS = (rows: number) => `CREATE TABLE accounts (id integer PRIMARY KEY, v text NOT NULL, w integer);
INSERT INTO accounts SELECT i, 'seed-' || i, i FROM generate_series(1, ${rows}) i;`;

// Each release writes values of its own, so the unique indexes never refuse a write of the ledger.
const distinct = (i: number, release: 'old' | 'new') => `${release}-${i}`;

describe('index options while both releases write (real PostgreSQL)', () => {
  const expressionIndex = {
    label: 'expression_index_writes', setup: ACCOUNTS(200), rows: 200,
    migration: defineMigration({ name: 'lower_v', operations: [op.createIndex({ table: 'accounts', name: 'accounts_lower_v', unique: true, columns: [{ expression: 'lower(v)' }] })] }),
    old: { table: 'accounts', column: 'v' }, next: { table: 'accounts', column: 'v' }, value: distinct,
  };
  const uniqueInclude = {
    label: 'unique_include_writes', setup: ACCOUNTS(200), rows: 200,
    migration: defineMigration({ name: 'v_key', operations: [op.addConstraint({ table: 'accounts', name: 'accounts_v_key', unique: ['v'], include: ['w'] })] }),
    old: { table: 'accounts', column: 'v' }, next: { table: 'accounts', column: 'v' }, value: distinct,
  };

  it('an expression index: complete keeps every write and leaves the index valid', () =>
    runUnderWrites(expressionIndex, 'complete', async (db) => {
      const { rows } = await db.query(`SELECT pg_get_indexdef(indexrelid) AS d, indisvalid AS valid FROM pg_index WHERE indexrelid = 'accounts_lower_v'::regclass`);
      expect(rows).toEqual([{ d: 'CREATE UNIQUE INDEX accounts_lower_v ON public.accounts USING btree (lower(v))', valid: true }]);
    }));

  it('an expression index: rollback keeps every write and drops the index', () =>
    runUnderWrites(expressionIndex, 'rollback', async (db) => {
      expect((await db.query(`SELECT to_regclass('accounts_lower_v') AS r`)).rows).toEqual([{ r: null }]);
    }));

  it('a unique constraint with include: complete keeps every write and makes the constraint', () =>
    runUnderWrites(uniqueInclude, 'complete', async (db) => {
      const { rows } = await db.query(`SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE conname = 'accounts_v_key'`);
      expect(rows).toEqual([{ d: 'UNIQUE (v) INCLUDE (w)' }]);
    }));

  it('a unique constraint with include: rollback keeps every write and drops its index', () =>
    runUnderWrites(uniqueInclude, 'rollback', async (db) => {
      expect((await db.query(`SELECT to_regclass('accounts_v_key') AS r`)).rows).toEqual([{ r: null }]);
    }));
});

describe('the plan of an index with options (real PostgreSQL)', () => {
  let target: Target;
  beforeAll(async () => {
    target = await openTarget('postgres', 'index_options_plan');
  });
  afterAll(async () => {
    await target?.close();
  });

  it('an expression index reads the columns its expression names: the estimate times its build and knows backfilled rows move', async () => {
    await target.reset();
    await target.db.exec(`${USERS} ANALYZE users;`);
    const migration = defineMigration({
      name: 'nick',
      operations: [
        op.addColumn({ table: 'users', column: { name: 'nick', type: 'text' }, up: 'lower(name)' }),
        op.createIndex({ table: 'users', name: 'users_nick_upper', columns: [{ expression: 'upper(nick)' }], include: ['age'] }),
      ],
    });
    const { plan, estimate } = await target.midair().estimate(migration);
    expect(plan.expandOnline).toEqual([expect.objectContaining({
      sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_nick_upper" ON "public"."users" ((upper(nick))) INCLUDE ("age")',
      scans: { table: 'users', work: 'index build', columns: ['nick', 'age'] },
    })]);
    expect(estimate.steps.find((s) => s.phase === 'expandOnline')).toMatchObject({ held: 'scan', rows: 3, seconds: expect.any(Number) });
    // The backfill writes nick, which the new index reads: no row version can stay on its page.
    expect(estimate.backfills[0]?.growth?.samePageShare).toBe(0);
  });

  it('an expression index carried over to a column\'s copy reads the copy: the estimate knows backfilled rows move', async () => {
    await target.reset();
    await target.db.exec(`${USERS} CREATE INDEX users_email_lower ON users (lower(email)); ANALYZE users;`);
    const migration = defineMigration({ name: 'email_type', operations: [op.alterColumn({ table: 'users', column: 'email', type: 'varchar(100)', up: 'email::varchar(100)', down: 'email::text' })] });
    const { plan, estimate } = await target.midair().estimate(migration, { sample: false });
    expect(plan.expandOnline).toEqual([expect.objectContaining({ index: '_midair_users_email_lower', scans: { table: 'users', work: 'index build', columns: ['_midair_new_email'] } })]);
    expect(estimate.backfills[0]?.growth?.samePageShare).toBe(0);
  });

  it('nullsNotDistinct is refused naming the version on a server before PostgreSQL 15', async () => {
    await target.reset();
    await target.db.exec(USERS);
    const catalog = { ...(await readCatalog(target.db, 'public')), serverVersion: 140011 };
    const unique = (operation: Operation) => () => compile(defineMigration({ name: 'nnd', operations: [operation] }), catalog);
    expect(unique(op.createIndex({ table: 'users', columns: ['email'], unique: true, nullsNotDistinct: true }))).toThrow(/operation 1 \(createIndex\): nullsNotDistinct: PostgreSQL 14 has no NULLS NOT DISTINCT \(it came with PostgreSQL 15\)/);
    expect(unique(op.addConstraint({ table: 'users', name: 'users_email_key', unique: ['email'], nullsNotDistinct: true }))).toThrow(/operation 1 \(addConstraint\): nullsNotDistinct: PostgreSQL 14/);
  });
});
