import { expect } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { columnsOf, constraintsOf, describeOperationCases, tableExists, type OperationCase } from '../support/operationCase.js';

const USERS = `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO users (name) VALUES ('ann'), ('bob'), ('cy');`;

const USERS_AFTER_WRITES = [{ id: 1, name: 'anna' }, { id: 2, name: 'bobby' }, { id: 4, name: 'dee' }, { id: 5, name: 'eve' }];

const CASES: OperationCase[] = [
  {
    title: 'createTable',
    setup: USERS,
    migration: defineMigration({
      name: 'create_tags',
      operations: [
        op.createTable({
          name: 'tags',
          columns: [
            { name: 'id', type: 'integer' },
            { name: 'label', type: 'text', nullable: false, unique: true },
            { name: 'user_id', type: 'integer', references: { table: 'users', column: 'id', onDelete: 'CASCADE' } },
            { name: 'weight', type: 'integer', default: '1', check: 'weight > 0' },
          ],
          primaryKey: ['id'],
        }),
      ],
    }),
    async expanded({ old, next }) {
      await next.query(`INSERT INTO tags (id, label, user_id) VALUES (1, 'red', 1), (2, 'blue', 2)`);
      await expect(next.query(`INSERT INTO tags (id, label) VALUES (3, 'red')`)).rejects.toThrow(/tags_label_key/);
      await expect(next.query(`INSERT INTO tags (id, label, weight) VALUES (3, 'green', 0)`)).rejects.toThrow(/tags_weight_check/);
      await expect(next.query(`INSERT INTO tags (id, label, user_id) VALUES (3, 'green', 99)`)).rejects.toThrow(/tags_user_id_fkey/);
      await old.query(`INSERT INTO users (name) VALUES ('dee')`);
      await next.query(`INSERT INTO users (name) VALUES ('eve')`);
      await old.query(`DELETE FROM users WHERE id = 2`);
      expect(await next.query(`SELECT t.id, t.label, t.weight, u.name FROM tags t JOIN users u ON u.id = t.user_id ORDER BY t.id`)).toEqual([
        { id: 1, label: 'red', weight: 1, name: 'ann' },
      ]);
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual([{ id: 1, name: 'ann' }, { id: 3, name: 'cy' }, { id: 4, name: 'dee' }, { id: 5, name: 'eve' }]);
    },
    async completed({ old, next }) {
      expect(await columnsOf(old, 'tags')).toEqual(['id integer NOT NULL', 'label text NOT NULL', 'user_id integer', 'weight integer DEFAULT 1']);
      expect(await constraintsOf(old, 'tags')).toEqual([
        'tags_label_key UNIQUE (label)', 'tags_pkey PRIMARY KEY (id)', 'tags_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE', 'tags_weight_check CHECK ((weight > 0))',
      ]);
      await next.query(`INSERT INTO tags (id, label, user_id) VALUES (2, 'blue', 4)`);
      expect(await old.query(`SELECT id, label, user_id FROM tags ORDER BY id`)).toEqual([{ id: 1, label: 'red', user_id: 1 }, { id: 2, label: 'blue', user_id: 4 }]);
    },
    async rolledBack(old) {
      expect(await tableExists(old, 'tags')).toBe(false);
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual([{ id: 1, name: 'ann' }, { id: 3, name: 'cy' }, { id: 4, name: 'dee' }, { id: 5, name: 'eve' }]);
    },
    droppedRows: { tags: 1 },
  },
  {
    title: 'dropTable',
    setup: `${USERS}
      CREATE TABLE legacy (id serial PRIMARY KEY, note text);
      INSERT INTO legacy (note) VALUES ('one');`,
    migration: defineMigration({ name: 'drop_legacy', operations: [op.dropTable({ name: 'legacy' })] }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO legacy (note) VALUES ('two')`);
      await expect(next.query(`SELECT * FROM legacy`)).rejects.toThrow(/relation "legacy" does not exist/);
      await next.query(`INSERT INTO users (name) VALUES ('dee')`);
      await old.query(`UPDATE users SET name = 'anna' WHERE id = 1`);
      expect(await next.query(`SELECT * FROM users ORDER BY id`)).toEqual([{ id: 1, name: 'anna' }, { id: 2, name: 'bob' }, { id: 3, name: 'cy' }, { id: 4, name: 'dee' }]);
      expect(await old.query(`SELECT * FROM users WHERE id = 4`)).toEqual([{ id: 4, name: 'dee' }]);
    },
    async completed({ old, next }) {
      expect(await tableExists(old, 'legacy')).toBe(false);
      await next.query(`INSERT INTO users (name) VALUES ('eve')`);
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual([
        { id: 1, name: 'anna' }, { id: 2, name: 'bob' }, { id: 3, name: 'cy' }, { id: 4, name: 'dee' }, { id: 5, name: 'eve' },
      ]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT * FROM legacy ORDER BY id`)).toEqual([{ id: 1, note: 'one' }, { id: 2, note: 'two' }]);
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual([{ id: 1, name: 'anna' }, { id: 2, name: 'bob' }, { id: 3, name: 'cy' }, { id: 4, name: 'dee' }]);
    },
  },
  {
    title: 'renameTable',
    setup: USERS,
    migration: defineMigration({ name: 'rename_users', operations: [op.renameTable({ from: 'users', to: 'customers' })] }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO users (name) VALUES ('dee')`);
      await next.query(`INSERT INTO customers (name) VALUES ('eve')`);
      await next.query(`UPDATE customers SET name = 'anna' WHERE id = 1`);
      await old.query(`UPDATE users SET name = 'bobby' WHERE id = 2`);
      await next.query(`DELETE FROM customers WHERE id = 3`);
      await expect(next.query(`SELECT * FROM users`)).rejects.toThrow(/relation "users" does not exist/);
      expect(await next.query(`SELECT * FROM customers ORDER BY id`)).toEqual(USERS_AFTER_WRITES);
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual(USERS_AFTER_WRITES);
    },
    async completed({ old, next }) {
      expect(await tableExists(old, 'users')).toBe(false);
      expect(await columnsOf(old, 'customers')).toEqual([`id integer NOT NULL DEFAULT nextval('users_id_seq'::regclass)`, 'name text NOT NULL']);
      await next.query(`INSERT INTO customers (name) VALUES ('fay')`);
      expect(await old.query(`SELECT * FROM customers ORDER BY id`)).toEqual([...USERS_AFTER_WRITES, { id: 6, name: 'fay' }]);
    },
    async rolledBack(old) {
      expect(await tableExists(old, 'customers')).toBe(false);
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual(USERS_AFTER_WRITES);
    },
  },
];

describeOperationCases('tables', CASES);
