import { expect } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { columnsOf, constraintsOf, indexesOf, describeOperationCases, type OperationCase } from '../support/operationCase.js';

const USERS = `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text, age integer);
INSERT INTO users (name, email, age) VALUES ('ann', 'ann@x.io', 30), ('bob', NULL, 40), ('cy', 'cy@x.io', 50);`;

const PKEY = 'CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)';
const EMAIL_KEY = 'CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)';

const CASES: OperationCase[] = [
  {
    title: 'createIndex (unique, partial)',
    setup: USERS,
    migration: defineMigration({
      name: 'index_email',
      operations: [op.createIndex({ table: 'users', columns: ['email'], name: 'users_email_idx', unique: true, where: 'email IS NOT NULL' })],
    }),
    async expanded({ old, next }) {
      const index = 'CREATE UNIQUE INDEX users_email_idx ON public.users USING btree (email) WHERE (email IS NOT NULL)';
      expect(await indexesOf(old, 'users')).toEqual([index, PKEY]);
      await expect(next.query(`INSERT INTO users (name, email) VALUES ('x', 'ann@x.io')`)).rejects.toThrow(/users_email_idx/);
      await next.query(`INSERT INTO users (name, email) VALUES ('dee', NULL), ('eve', NULL)`);
      await old.query(`UPDATE users SET email = 'bob@x.io' WHERE id = 2`);
      expect(await next.query(`SELECT id, email FROM users WHERE email IS NOT NULL ORDER BY id`)).toEqual([
        { id: 1, email: 'ann@x.io' }, { id: 2, email: 'bob@x.io' }, { id: 3, email: 'cy@x.io' },
      ]);
      expect(await old.query(`SELECT id, name FROM users WHERE id > 3 ORDER BY id`)).toEqual([{ id: 5, name: 'dee' }, { id: 6, name: 'eve' }]);
    },
    async completed({ old, next }) {
      expect(await indexesOf(old, 'users')).toEqual(['CREATE UNIQUE INDEX users_email_idx ON public.users USING btree (email) WHERE (email IS NOT NULL)', PKEY]);
      await expect(next.query(`UPDATE users SET email = 'cy@x.io' WHERE id = 1`)).rejects.toThrow(/users_email_idx/);
      expect(await old.query(`SELECT count(*)::int AS n FROM users`)).toEqual([{ n: 5 }]);
    },
    async rolledBack(old) {
      expect(await indexesOf(old, 'users')).toEqual([PKEY]);
      expect(await old.query(`SELECT id, name, email FROM users ORDER BY id`)).toEqual([
        { id: 1, name: 'ann', email: 'ann@x.io' }, { id: 2, name: 'bob', email: 'bob@x.io' }, { id: 3, name: 'cy', email: 'cy@x.io' },
        { id: 5, name: 'dee', email: null }, { id: 6, name: 'eve', email: null },
      ]);
    },
  },
  {
    title: 'addConstraint check',
    setup: USERS,
    migration: defineMigration({ name: 'age_check', operations: [op.addConstraint({ table: 'users', name: 'users_age_adult', check: 'age >= 18' })] }),
    async expanded({ old, next }) {
      // Without column and up the check holds for old-release writes from start on (plan warns).
      await expect(old.query(`INSERT INTO users (name, age) VALUES ('kid', 10)`)).rejects.toThrow(/users_age_adult/);
      await expect(next.query(`UPDATE users SET age = 5 WHERE id = 1`)).rejects.toThrow(/users_age_adult/);
      await old.query(`INSERT INTO users (name, age) VALUES ('dee', 20)`);
      await next.query(`UPDATE users SET age = 41 WHERE id = 2`);
      expect(await next.query(`SELECT id, age FROM users ORDER BY id`)).toEqual([{ id: 1, age: 30 }, { id: 2, age: 41 }, { id: 3, age: 50 }, { id: 5, age: 20 }]);
      expect(await old.query(`SELECT id, age FROM users ORDER BY id`)).toEqual([{ id: 1, age: 30 }, { id: 2, age: 41 }, { id: 3, age: 50 }, { id: 5, age: 20 }]);
    },
    async completed({ old }) {
      expect(await constraintsOf(old, 'users')).toEqual(['users_age_adult CHECK ((age >= 18))', 'users_pkey PRIMARY KEY (id)']);
    },
    async rolledBack(old) {
      await old.query(`INSERT INTO users (name, age) VALUES ('kid', 10)`);
      expect(await old.query(`SELECT id, age FROM users ORDER BY id`)).toEqual([{ id: 1, age: 30 }, { id: 2, age: 41 }, { id: 3, age: 50 }, { id: 5, age: 20 }, { id: 6, age: 10 }]);
    },
  },
  {
    title: 'addConstraint unique',
    setup: USERS,
    migration: defineMigration({ name: 'email_unique', operations: [op.addConstraint({ table: 'users', name: 'users_email_unique', unique: ['email'] })] }),
    async expanded({ old, next }) {
      await expect(old.query(`INSERT INTO users (name, email) VALUES ('x', 'ann@x.io')`)).rejects.toThrow(/users_email_unique/);
      await expect(next.query(`UPDATE users SET email = 'cy@x.io' WHERE id = 1`)).rejects.toThrow(/users_email_unique/);
      await next.query(`INSERT INTO users (name, email) VALUES ('dee', 'dee@x.io')`);
      expect(await old.query(`SELECT id, email FROM users WHERE id > 3 ORDER BY id`)).toEqual([{ id: 5, email: 'dee@x.io' }]);
    },
    async completed({ old, next }) {
      expect(await constraintsOf(old, 'users')).toEqual(['users_email_unique UNIQUE (email)', 'users_pkey PRIMARY KEY (id)']);
      await next.query(`UPDATE users SET email = 'bob@x.io' WHERE id = 2`);
      expect(await old.query(`SELECT id, email FROM users ORDER BY id`)).toEqual([
        { id: 1, email: 'ann@x.io' }, { id: 2, email: 'bob@x.io' }, { id: 3, email: 'cy@x.io' }, { id: 5, email: 'dee@x.io' },
      ]);
    },
    async rolledBack(old) {
      await old.query(`INSERT INTO users (name, email) VALUES ('twin', 'dee@x.io')`);
      expect(await old.query(`SELECT count(*)::int AS n FROM users WHERE email = 'dee@x.io'`)).toEqual([{ n: 2 }]);
    },
  },
  {
    title: 'addConstraint foreignKey',
    setup: `${USERS}
      CREATE TABLE orders (id serial PRIMARY KEY, user_id integer, total integer NOT NULL);
      INSERT INTO orders (user_id, total) VALUES (1, 10), (2, 20);`,
    migration: defineMigration({
      name: 'orders_fk',
      operations: [
        op.addConstraint({ table: 'orders', name: 'orders_user_fk', foreignKey: { columns: ['user_id'], references: { table: 'users', columns: ['id'] }, onDelete: 'CASCADE' } }),
      ],
    }),
    async expanded({ old, next }) {
      await expect(old.query(`INSERT INTO orders (user_id, total) VALUES (99, 1)`)).rejects.toThrow(/orders_user_fk/);
      await next.query(`INSERT INTO orders (user_id, total) VALUES (1, 30)`);
      await old.query(`DELETE FROM users WHERE id = 1`);
      expect(await next.query(`SELECT id, user_id, total FROM orders ORDER BY id`)).toEqual([{ id: 2, user_id: 2, total: 20 }]);
      expect(await old.query(`SELECT id, user_id, total FROM orders ORDER BY id`)).toEqual([{ id: 2, user_id: 2, total: 20 }]);
    },
    async completed({ old, next }) {
      expect(await constraintsOf(old, 'orders')).toEqual(['orders_pkey PRIMARY KEY (id)', 'orders_user_fk FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE']);
      await next.query(`INSERT INTO orders (user_id, total) VALUES (3, 40)`);
      expect(await old.query(`SELECT user_id, total FROM orders ORDER BY id`)).toEqual([{ user_id: 2, total: 20 }, { user_id: 3, total: 40 }]);
    },
    async rolledBack(old) {
      await old.query(`INSERT INTO orders (user_id, total) VALUES (99, 1)`);
      expect(await old.query(`SELECT user_id, total FROM orders ORDER BY id`)).toEqual([{ user_id: 2, total: 20 }, { user_id: 99, total: 1 }]);
    },
  },
  {
    title: 'addConstraint check with column and up',
    setup: USERS,
    migration: defineMigration({
      name: 'age_fixed',
      operations: [op.addConstraint({ table: 'users', name: 'users_age_positive', check: 'age > 0', column: 'age', up: 'CASE WHEN age > 0 THEN age END' })],
    }),
    async expanded({ old, next }) {
      // Old-release writes stay unconstrained: up fixes the new shape's value.
      await old.query(`INSERT INTO users (name, age) VALUES ('dee', -3)`);
      await old.query(`UPDATE users SET age = 0 WHERE id = 1`);
      await next.query(`INSERT INTO users (name, age) VALUES ('eve', 25)`);
      await next.query(`UPDATE users SET age = 42 WHERE id = 2`);
      await expect(next.query(`INSERT INTO users (name, age) VALUES ('neg', -1)`)).rejects.toThrow(/users_age_positive/);
      expect(await next.query(`SELECT id, age FROM users WHERE id <> 3 ORDER BY id`)).toEqual([{ id: 1, age: null }, { id: 2, age: 42 }, { id: 4, age: null }, { id: 5, age: 25 }]);
      expect(await old.query(`SELECT id, age FROM users ORDER BY id`)).toEqual([{ id: 1, age: 0 }, { id: 2, age: 42 }, { id: 3, age: 50 }, { id: 4, age: -3 }, { id: 5, age: 25 }]);
    },
    async completed({ old, next }) {
      expect(await constraintsOf(old, 'users')).toEqual(['users_age_positive CHECK ((age > 0))', 'users_pkey PRIMARY KEY (id)']);
      await expect(next.query(`UPDATE users SET age = -1 WHERE id = 2`)).rejects.toThrow(/users_age_positive/);
      expect(await columnsOf(old, 'users')).toEqual([`id integer NOT NULL DEFAULT nextval('users_id_seq'::regclass)`, 'name text NOT NULL', 'email text', 'age integer']);
      expect(await old.query(`SELECT id, age FROM users ORDER BY id`)).toEqual([{ id: 1, age: null }, { id: 2, age: 42 }, { id: 3, age: 50 }, { id: 4, age: null }, { id: 5, age: 25 }]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT id, age FROM users ORDER BY id`)).toEqual([{ id: 1, age: 0 }, { id: 2, age: 42 }, { id: 3, age: 50 }, { id: 4, age: -3 }, { id: 5, age: 25 }]);
    },
  },
  {
    title: 'dropIndex (kept until complete)',
    setup: `${USERS}
      CREATE UNIQUE INDEX users_email_key ON users (email);`,
    migration: defineMigration({ name: 'drop_email_key', operations: [op.dropIndex({ table: 'users', name: 'users_email_key' })] }),
    async expanded({ old, next }) {
      // The old release may rely on it: it still enforces uniqueness for both shapes.
      expect(await indexesOf(old, 'users')).toEqual([EMAIL_KEY, PKEY]);
      await expect(old.query(`INSERT INTO users (name, email) VALUES ('x', 'ann@x.io')`)).rejects.toThrow(/users_email_key/);
      await expect(next.query(`UPDATE users SET email = 'cy@x.io' WHERE id = 1`)).rejects.toThrow(/users_email_key/);
      await next.query(`INSERT INTO users (name, email) VALUES ('dee', 'dee@x.io')`);
      expect(await old.query(`SELECT id, email FROM users WHERE id > 3 ORDER BY id`)).toEqual([{ id: 5, email: 'dee@x.io' }]);
    },
    async completed({ old, next }) {
      expect(await indexesOf(old, 'users')).toEqual([PKEY]);
      await next.query(`INSERT INTO users (name, email) VALUES ('twin', 'dee@x.io')`);
      expect(await old.query(`SELECT count(*)::int AS n FROM users WHERE email = 'dee@x.io'`)).toEqual([{ n: 2 }]);
    },
    async rolledBack(old) {
      expect(await indexesOf(old, 'users')).toEqual([EMAIL_KEY, PKEY]);
      await expect(old.query(`INSERT INTO users (name, email) VALUES ('twin', 'dee@x.io')`)).rejects.toThrow(/users_email_key/);
    },
  },
  {
    title: 'renameConstraint (check and unique: the new name arrives at complete)',
    setup: `${USERS}
      ALTER TABLE users ADD CONSTRAINT users_age_check CHECK (age > 0), ADD CONSTRAINT users_email_key UNIQUE (email);`,
    migration: defineMigration({
      name: 'rename_constraints',
      operations: [
        op.renameConstraint({ table: 'users', from: 'users_age_check', to: 'users_age_positive' }),
        op.renameConstraint({ table: 'users', from: 'users_email_key', to: 'users_email_unique' }),
      ],
    }),
    async expanded({ old, next }) {
      await expect(old.query(`INSERT INTO users (name, age) VALUES ('x', -1)`)).rejects.toThrow(/users_age_check/);
      await expect(next.query(`UPDATE users SET email = 'cy@x.io' WHERE id = 1`)).rejects.toThrow(/users_email_key/);
      await next.query(`INSERT INTO users (name, email, age) VALUES ('dee', 'dee@x.io', 20)`);
      expect(await old.query(`SELECT id, email FROM users WHERE id > 3 ORDER BY id`)).toEqual([{ id: 5, email: 'dee@x.io' }]);
    },
    async completed({ old, next }) {
      expect(await constraintsOf(old, 'users')).toEqual(['users_age_positive CHECK ((age > 0))', 'users_email_unique UNIQUE (email)', 'users_pkey PRIMARY KEY (id)']);
      expect(await indexesOf(old, 'users')).toEqual(['CREATE UNIQUE INDEX users_email_unique ON public.users USING btree (email)', PKEY]);
      await expect(next.query(`INSERT INTO users (name, age) VALUES ('x', -1)`)).rejects.toThrow(/users_age_positive/);
      await expect(next.query(`INSERT INTO users (name, email) VALUES ('twin', 'dee@x.io')`)).rejects.toThrow(/users_email_unique/);
    },
    async rolledBack(old) {
      expect(await constraintsOf(old, 'users')).toEqual(['users_age_check CHECK ((age > 0))', 'users_email_key UNIQUE (email)', 'users_pkey PRIMARY KEY (id)']);
      expect(await old.query(`SELECT id, email FROM users WHERE id > 3 ORDER BY id`)).toEqual([{ id: 5, email: 'dee@x.io' }]);
    },
  },
  {
    title: 'sql',
    setup: USERS,
    migration: defineMigration({
      name: 'raw_index',
      operations: [op.sql({ up: 'CREATE INDEX users_lower_name_idx ON users (lower(name))', down: 'DROP INDEX users_lower_name_idx' })],
    }),
    async expanded({ old, next }) {
      expect(await indexesOf(old, 'users')).toEqual(['CREATE INDEX users_lower_name_idx ON public.users USING btree (lower(name))', PKEY]);
      await old.query(`INSERT INTO users (name) VALUES ('Dee')`);
      await next.query(`INSERT INTO users (name) VALUES ('Eve')`);
      expect(await next.query(`SELECT id FROM users WHERE lower(name) IN ('dee', 'eve') ORDER BY id`)).toEqual([{ id: 4 }, { id: 5 }]);
      expect(await old.query(`SELECT id FROM users WHERE lower(name) IN ('dee', 'eve') ORDER BY id`)).toEqual([{ id: 4 }, { id: 5 }]);
    },
    async completed({ old }) {
      expect(await indexesOf(old, 'users')).toEqual(['CREATE INDEX users_lower_name_idx ON public.users USING btree (lower(name))', PKEY]);
      expect(await old.query(`SELECT count(*)::int AS n FROM users`)).toEqual([{ n: 5 }]);
    },
    async rolledBack(old) {
      expect(await indexesOf(old, 'users')).toEqual([PKEY]);
      expect(await old.query(`SELECT id, name FROM users WHERE id > 3 ORDER BY id`)).toEqual([{ id: 4, name: 'Dee' }, { id: 5, name: 'Eve' }]);
    },
  },
];

describeOperationCases('indexes_constraints', CASES);
