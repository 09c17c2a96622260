import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { constraintsOf, describeOperationCases, indexesOf, tableExists, type OperationCase } from '../support/operationCase.js';
import { runUnderWrites, type UnderWritesCase } from '../support/underWrites.js';

const TEAMS_AND_USERS = `CREATE TABLE teams (id integer PRIMARY KEY, label text NOT NULL);
INSERT INTO teams VALUES (1, 'red'), (2, 'blue');
CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text, age integer CONSTRAINT users_age_check CHECK (age > 0), team_id integer);
INSERT INTO users (name, email, age, team_id) VALUES ('ann', 'ann@x.io', 30, 1), ('bob', NULL, 40, 2), ('cy', 'cy@x.io', 50, NULL);`;

const USERS_BEFORE = ['users_age_check CHECK ((age > 0))', 'users_pkey PRIMARY KEY (id)'];
const PKEY = 'CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)';

const CASES: OperationCase[] = [
  {
    title: 'createTable: named primary key, column constraints and table constraints keep their names',
    setup: TEAMS_AND_USERS,
    migration: defineMigration({
      name: 'create_tags',
      operations: [
        op.createTable({
          name: 'tags',
          columns: [
            { name: 'id', type: 'integer' },
            { name: 'label', type: 'text', nullable: false, unique: { name: 'tag_label_unique' } },
            { name: 'user_id', type: 'integer', references: { table: 'users', column: 'id', name: 'tag_owner', onDelete: 'CASCADE' } },
            { name: 'weight', type: 'integer', default: '1', check: { expression: 'weight > 0', name: 'tag_weight_positive' } },
            { name: 'parent_id', type: 'integer' },
          ],
          primaryKey: { columns: ['id'], name: 'tag_id' },
          constraints: [
            { name: 'tag_user_weight', unique: ['user_id', 'weight'] },
            { name: 'tag_label_short', check: 'length(label) < 10' },
            { name: 'tag_parent', foreignKey: { columns: ['parent_id'], references: { table: 'tags', columns: ['id'] }, onDelete: 'SET NULL' } },
          ],
        }),
      ],
    }),
    async expanded({ old, next }) {
      await next.query(`INSERT INTO tags (id, label, user_id) VALUES (1, 'red', 1), (2, 'blue', 2)`);
      await next.query(`INSERT INTO tags (id, label, user_id, weight, parent_id) VALUES (3, 'navy', 2, 2, 2)`);
      await expect(next.query(`INSERT INTO tags (id, label) VALUES (1, 'x')`)).rejects.toThrow(/tag_id/);
      await expect(next.query(`INSERT INTO tags (id, label) VALUES (9, 'red')`)).rejects.toThrow(/tag_label_unique/);
      await expect(next.query(`INSERT INTO tags (id, label, user_id) VALUES (9, 'x', 99)`)).rejects.toThrow(/tag_owner/);
      await expect(next.query(`INSERT INTO tags (id, label, weight) VALUES (9, 'x', 0)`)).rejects.toThrow(/tag_weight_positive/);
      await expect(next.query(`INSERT INTO tags (id, label, user_id) VALUES (9, 'x', 1)`)).rejects.toThrow(/tag_user_weight/);
      await expect(next.query(`INSERT INTO tags (id, label) VALUES (9, 'much too long')`)).rejects.toThrow(/tag_label_short/);
      await expect(next.query(`INSERT INTO tags (id, label, parent_id) VALUES (9, 'x', 42)`)).rejects.toThrow(/tag_parent/);
      // ON DELETE SET NULL of the table's own foreign key, ON DELETE CASCADE of the one to users.
      await next.query(`DELETE FROM tags WHERE id = 2`);
      await old.query(`DELETE FROM users WHERE id = 1`);
      expect(await next.query(`SELECT id, label, user_id, weight, parent_id FROM tags ORDER BY id`)).toEqual([{ id: 3, label: 'navy', user_id: 2, weight: 2, parent_id: null }]);
    },
    async completed({ old, next }) {
      expect(await constraintsOf(old, 'tags')).toEqual([
        'tag_id PRIMARY KEY (id)',
        'tag_label_short CHECK ((length(label) < 10))',
        'tag_label_unique UNIQUE (label)',
        'tag_owner FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE',
        'tag_parent FOREIGN KEY (parent_id) REFERENCES tags(id) ON DELETE SET NULL',
        'tag_user_weight UNIQUE (user_id, weight)',
        'tag_weight_positive CHECK ((weight > 0))',
      ]);
      expect(await indexesOf(old, 'tags')).toEqual([
        'CREATE UNIQUE INDEX tag_id ON public.tags USING btree (id)',
        'CREATE UNIQUE INDEX tag_label_unique ON public.tags USING btree (label)',
        'CREATE UNIQUE INDEX tag_user_weight ON public.tags USING btree (user_id, weight)',
      ]);
      await expect(next.query(`INSERT INTO tags (id, label) VALUES (3, 'x')`)).rejects.toThrow(/tag_id/);
      await next.query(`INSERT INTO tags (id, label, parent_id) VALUES (4, 'sky', 3)`);
      expect(await old.query(`SELECT id, parent_id FROM tags ORDER BY id`)).toEqual([{ id: 3, parent_id: null }, { id: 4, parent_id: 3 }]);
    },
    async rolledBack(old) {
      expect(await tableExists(old, 'tags')).toBe(false);
      expect(await old.query(`SELECT id FROM users ORDER BY id`)).toEqual([{ id: 2 }, { id: 3 }]);
    },
    droppedRows: { tags: 1 },
  },
  {
    title: 'addColumn: named unique, check and foreign key keep their names through complete',
    setup: TEAMS_AND_USERS,
    migration: defineMigration({
      name: 'add_named',
      operations: [
        op.addColumn({ table: 'users', column: { name: 'handle', type: 'text', unique: { name: 'users_handle_unique' } }, up: `lower(name) || id` }),
        op.addColumn({ table: 'users', column: { name: 'score', type: 'integer', check: { expression: 'score >= 0', name: 'users_score_nonnegative' } }, up: 'length(name)' }),
        op.addColumn({ table: 'users', column: { name: 'squad', type: 'integer', references: { table: 'teams', column: 'id', name: 'users_squad_team' } }, up: 'team_id' }),
      ],
    }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO users (name, team_id) VALUES ('dee', 2)`);
      await next.query(`INSERT INTO users (name, handle, score, squad) VALUES ('eve', 'eve', 1, 1)`);
      await expect(next.query(`INSERT INTO users (name, handle) VALUES ('x', 'eve')`)).rejects.toThrow(/users_handle_unique/);
      await expect(next.query(`INSERT INTO users (name, score) VALUES ('x', -1)`)).rejects.toThrow(/users_score_nonnegative/);
      await expect(next.query(`INSERT INTO users (name, squad) VALUES ('x', 99)`)).rejects.toThrow(/users_squad_team/);
      // Old-release writes get the new columns from up, and the named constraints hold for them.
      await expect(old.query(`INSERT INTO users (name, team_id) VALUES ('x', 99)`)).rejects.toThrow(/users_squad_team/);
      expect(await next.query(`SELECT id, handle, score, squad FROM users WHERE id IN (4, 5) ORDER BY id`)).toEqual([
        { id: 4, handle: 'dee4', score: 3, squad: 2 }, { id: 5, handle: 'eve', score: 1, squad: 1 },
      ]);
    },
    async completed({ old }) {
      expect(await constraintsOf(old, 'users')).toEqual([
        ...USERS_BEFORE,
        'users_score_nonnegative CHECK ((score >= 0))',
        'users_squad_team FOREIGN KEY (squad) REFERENCES teams(id)',
        'users_handle_unique UNIQUE (handle)',
      ].sort());
      expect(await indexesOf(old, 'users')).toEqual(['CREATE UNIQUE INDEX users_handle_unique ON public.users USING btree (handle)', PKEY]);
      expect(await old.query(`SELECT id, handle, score, squad FROM users ORDER BY id`)).toEqual([
        { id: 1, handle: 'ann1', score: 3, squad: 1 }, { id: 2, handle: 'bob2', score: 3, squad: 2 }, { id: 3, handle: 'cy3', score: 2, squad: null },
        { id: 4, handle: 'dee4', score: 3, squad: 2 }, { id: 5, handle: 'eve', score: 1, squad: 1 },
      ]);
    },
    async rolledBack(old) {
      expect(await constraintsOf(old, 'users')).toEqual(USERS_BEFORE);
      expect(await old.query(`SELECT id, name FROM users WHERE id > 3 ORDER BY id`)).toEqual([{ id: 4, name: 'dee' }, { id: 5, name: 'eve' }]);
    },
  },
  {
    title: 'alterColumn: named unique, check and foreign key keep their names; the column\'s own check is carried over',
    setup: TEAMS_AND_USERS,
    migration: defineMigration({
      name: 'alter_named',
      operations: [
        op.alterColumn({ table: 'users', column: 'email', unique: { name: 'users_email_unique' } }),
        op.alterColumn({ table: 'users', column: 'age', check: { expression: 'age <= 150', name: 'users_age_range' } }),
        op.alterColumn({ table: 'users', column: 'team_id', name: 'team', references: { table: 'teams', column: 'id', name: 'users_team_fk' } }),
      ],
    }),
    async expanded({ old, next }) {
      await next.query(`INSERT INTO users (name, email, age, team) VALUES ('eve', 'eve@x.io', 20, 1)`);
      await expect(next.query(`INSERT INTO users (name, email) VALUES ('x', 'eve@x.io')`)).rejects.toThrow(/users_email_unique/);
      await expect(next.query(`INSERT INTO users (name, age) VALUES ('x', 151)`)).rejects.toThrow(/users_age_range/);
      await expect(next.query(`INSERT INTO users (name, age) VALUES ('x', 0)`)).rejects.toThrow(/users_age_check/);
      await expect(next.query(`INSERT INTO users (name, team) VALUES ('x', 99)`)).rejects.toThrow(/users_team_fk/);
      await old.query(`UPDATE users SET email = 'bob@x.io', team_id = 1 WHERE id = 2`);
      // Rows nobody wrote since start show their copies after backfill only.
      expect(await next.query(`SELECT id, email, age, team FROM users WHERE id IN (2, 4) ORDER BY id`)).toEqual([
        { id: 2, email: 'bob@x.io', age: 40, team: 1 }, { id: 4, email: 'eve@x.io', age: 20, team: 1 },
      ]);
    },
    async completed({ old, next }) {
      expect(await constraintsOf(old, 'users')).toEqual([
        'users_age_check CHECK ((age > 0))',
        'users_age_range CHECK ((age <= 150))',
        'users_email_unique UNIQUE (email)',
        'users_pkey PRIMARY KEY (id)',
        'users_team_fk FOREIGN KEY (team) REFERENCES teams(id)',
      ]);
      expect(await indexesOf(old, 'users')).toEqual(['CREATE UNIQUE INDEX users_email_unique ON public.users USING btree (email)', PKEY]);
      await expect(next.query(`UPDATE users SET age = 200 WHERE id = 1`)).rejects.toThrow(/users_age_range/);
    },
    async rolledBack(old) {
      expect(await constraintsOf(old, 'users')).toEqual(USERS_BEFORE);
      expect(await old.query(`SELECT id, email, team_id FROM users ORDER BY id`)).toEqual([
        { id: 1, email: 'ann@x.io', team_id: 1 }, { id: 2, email: 'bob@x.io', team_id: 1 }, { id: 3, email: 'cy@x.io', team_id: null },
        { id: 4, email: 'eve@x.io', team_id: 1 },
      ]);
    },
  },
  {
    // The documented replacement of the check of the name the new one gets: before, start failed
    // adding the new check while the old column still held the old one under that name.
    title: 'alterColumn: a check replaces the column\'s existing check of the same name',
    setup: TEAMS_AND_USERS,
    migration: defineMigration({ name: 'replace_check', operations: [op.alterColumn({ table: 'users', column: 'age', check: 'age BETWEEN 18 AND 150' })] }),
    async expanded({ old, next }) {
      // The old release keeps the old check; the new shape has the new one.
      await old.query(`INSERT INTO users (name, age) VALUES ('dee', 20)`);
      await expect(old.query(`INSERT INTO users (name, age) VALUES ('x', 0)`)).rejects.toThrow(/users_age_check/);
      await expect(next.query(`INSERT INTO users (name, age) VALUES ('x', 151)`)).rejects.toThrow(/check constraint/);
      await next.query(`INSERT INTO users (name, age) VALUES ('eve', 30)`);
      expect(await next.query(`SELECT name, age FROM users WHERE id > 3 ORDER BY id`)).toEqual([{ name: 'dee', age: 20 }, { name: 'eve', age: 30 }]);
    },
    async completed({ old, next }) {
      expect(await constraintsOf(old, 'users')).toEqual(['users_age_check CHECK (((age >= 18) AND (age <= 150)))', 'users_pkey PRIMARY KEY (id)']);
      await expect(next.query(`UPDATE users SET age = 17 WHERE name = 'eve'`)).rejects.toThrow(/users_age_check/);
    },
    async rolledBack(old) {
      expect(await constraintsOf(old, 'users')).toEqual(USERS_BEFORE);
      expect(await old.query(`SELECT name, age FROM users WHERE id > 3 ORDER BY id`)).toEqual([{ name: 'dee', age: 20 }, { name: 'eve', age: 30 }]);
    },
  },
];

describeOperationCases('constraint_names', CASES);

const ITEMS = `CREATE TABLE items (id integer PRIMARY KEY, qty integer CONSTRAINT items_qty_check CHECK (qty > 0));
INSERT INTO items SELECT g, g FROM generate_series(1, 200) g;`;

const checksOf = async (db: pg.Client) =>
  (await db.query<{ c: string }>(`SELECT conname || ' ' || pg_get_constraintdef(oid) AS c FROM pg_constraint WHERE conrelid = 'items'::regclass AND contype = 'c' ORDER BY 1`)).rows.map((r) => r.c);

describe('postgres: a named check replacing the column\'s own check, under writes from both releases', () => {
  const replaced = (name: string, column?: string): UnderWritesCase => ({
    label: `names_${name}`,
    setup: ITEMS,
    rows: 200,
    migration: defineMigration({
      name,
      operations: [op.alterColumn({ table: 'items', column: 'qty', name: column, check: { expression: `${column ?? 'qty'} BETWEEN 1 AND 100000`, name: 'items_qty_check' } })],
    }),
    old: { table: 'items', column: 'qty' },
    next: { table: 'items', column: column ?? 'qty' },
    value: (i) => String(i + 1),
  });

  // A copy under another name: the check goes through a function until contract.
  it('same column name: complete gives the new check the old one\'s name', () =>
    runUnderWrites(replaced('qty_range'), 'complete', async (db) => {
      expect(await checksOf(db)).toEqual(['items_qty_check CHECK (((qty >= 1) AND (qty <= 100000)))']);
    }));
  it('same column name: rollback leaves the old check alone', () =>
    runUnderWrites(replaced('qty_range'), 'rollback', async (db) => {
      expect(await checksOf(db)).toEqual(['items_qty_check CHECK ((qty > 0))']);
    }));
  // A renamed column: the check is plain from start, under a temporary name until contract.
  it('renamed column: complete gives the new check the old one\'s name', () =>
    runUnderWrites(replaced('quantity_range', 'quantity'), 'complete', async (db) => {
      expect(await checksOf(db)).toEqual(['items_qty_check CHECK (((quantity >= 1) AND (quantity <= 100000)))']);
    }));
  it('renamed column: rollback leaves the old check alone', () =>
    runUnderWrites(replaced('quantity_range', 'quantity'), 'rollback', async (db) => {
      expect(await checksOf(db)).toEqual(['items_qty_check CHECK ((qty > 0))']);
    }));
});

describe('postgres: addColumn with named constraints, under writes from both releases', () => {
  const added: UnderWritesCase = {
    label: 'names_added',
    setup: ITEMS,
    rows: 200,
    migration: defineMigration({
      name: 'items_named',
      operations: [
        op.addColumn({ table: 'items', column: { name: 'label', type: 'text', unique: { name: 'items_label_unique' } }, up: `'item-' || id` }),
        op.addColumn({ table: 'items', column: { name: 'doubled', type: 'integer', check: { expression: 'doubled > 0', name: 'items_doubled_positive' } }, up: 'qty * 2' }),
      ],
    }),
    old: { table: 'items', column: 'qty' },
    next: { table: 'items', column: 'qty' },
    value: (i) => String(i + 1),
  };

  it('complete keeps every write, and the constraints their names', () =>
    runUnderWrites(added, 'complete', async (db) => {
      expect(await checksOf(db)).toEqual(['items_doubled_positive CHECK ((doubled > 0))', 'items_qty_check CHECK ((qty > 0))']);
      const unique = await db.query(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'items'::regclass AND contype = 'u'`);
      expect(unique.rows).toEqual([{ conname: 'items_label_unique', def: 'UNIQUE (label)' }]);
    }));

  it('rollback keeps every write and drops the new columns with their constraints', () =>
    runUnderWrites(added, 'rollback', async (db) => {
      expect(await checksOf(db)).toEqual(['items_qty_check CHECK ((qty > 0))']);
      expect((await db.query(`SELECT to_regclass('items_label_unique') AS index`)).rows).toEqual([{ index: null }]);
    }));
});
