import { expect } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { columnsOf, constraintsOf, describeOperationCases, type OperationCase } from '../support/operationCase.js';

const USERS = `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO users (name) VALUES ('ann'), ('bob'), ('cy');`;

const CASES: OperationCase[] = [
  {
    title: 'addColumn NOT NULL with up',
    setup: USERS,
    migration: defineMigration({
      name: 'add_shout',
      operations: [op.addColumn({ table: 'users', column: { name: 'shout', type: 'text', nullable: false }, up: 'upper(name)' })],
    }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO users (name) VALUES ('dee')`);
      await next.query(`INSERT INTO users (name, shout) VALUES ('eve', 'EVE!')`);
      await old.query(`UPDATE users SET name = 'bo' WHERE id = 2`);
      await next.query(`UPDATE users SET shout = 'ANN!' WHERE id = 1`);
      await expect(next.query(`INSERT INTO users (name) VALUES ('fay')`)).rejects.toThrow(/users_shout_not_null_check/);
      expect(await next.query(`SELECT id, name, shout FROM users WHERE id <> 3 ORDER BY id`)).toEqual([
        { id: 1, name: 'ann', shout: 'ANN!' },
        { id: 2, name: 'bo', shout: 'BO' },
        { id: 4, name: 'dee', shout: 'DEE' },
        { id: 5, name: 'eve', shout: 'EVE!' },
      ]);
      expect(await old.query(`SELECT id, name FROM users ORDER BY id`)).toEqual([
        { id: 1, name: 'ann' }, { id: 2, name: 'bo' }, { id: 3, name: 'cy' }, { id: 4, name: 'dee' }, { id: 5, name: 'eve' },
      ]);
    },
    async completed({ old, next }) {
      expect(await columnsOf(old, 'users')).toEqual([`id integer NOT NULL DEFAULT nextval('users_id_seq'::regclass)`, 'name text NOT NULL', 'shout text NOT NULL']);
      await next.query(`INSERT INTO users (name, shout) VALUES ('gus', 'GUS')`);
      expect(await old.query(`SELECT id, name, shout FROM users ORDER BY id`)).toEqual([
        { id: 1, name: 'ann', shout: 'ANN!' },
        { id: 2, name: 'bo', shout: 'BO' },
        { id: 3, name: 'cy', shout: 'CY' },
        { id: 4, name: 'dee', shout: 'DEE' },
        { id: 5, name: 'eve', shout: 'EVE!' },
        { id: 7, name: 'gus', shout: 'GUS' },
      ]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual([
        { id: 1, name: 'ann' }, { id: 2, name: 'bo' }, { id: 3, name: 'cy' }, { id: 4, name: 'dee' }, { id: 5, name: 'eve' },
      ]);
    },
  },
  {
    title: 'addColumn with a constant and a volatile default',
    setup: USERS,
    migration: defineMigration({
      name: 'add_defaults',
      operations: [
        op.addColumn({ table: 'users', column: { name: 'status', type: 'text', default: `'active'` } }),
        op.addColumn({ table: 'users', column: { name: 'joined_on', type: 'date', default: 'current_date' } }),
      ],
    }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO users (name) VALUES ('dee')`);
      await next.query(`INSERT INTO users (name, status) VALUES ('eve', 'vip')`);
      await next.query(`UPDATE users SET status = 'gone' WHERE id = 2`);
      await old.query(`DELETE FROM users WHERE id = 1`);
      expect(await next.query(`SELECT id, name, status, joined_on = current_date AS today FROM users WHERE id > 3 ORDER BY id`)).toEqual([
        { id: 4, name: 'dee', status: 'active', today: true },
        { id: 5, name: 'eve', status: 'vip', today: true },
      ]);
      expect(await old.query(`SELECT id, name FROM users ORDER BY id`)).toEqual([{ id: 2, name: 'bob' }, { id: 3, name: 'cy' }, { id: 4, name: 'dee' }, { id: 5, name: 'eve' }]);
    },
    async completed({ old, next }) {
      expect(await columnsOf(old, 'users')).toEqual([
        `id integer NOT NULL DEFAULT nextval('users_id_seq'::regclass)`, 'name text NOT NULL', `status text DEFAULT 'active'::text`, 'joined_on date DEFAULT CURRENT_DATE',
      ]);
      expect(await next.query(`SELECT id, name, status, joined_on = current_date AS today FROM users ORDER BY id`)).toEqual([
        { id: 2, name: 'bob', status: 'gone', today: true },
        { id: 3, name: 'cy', status: 'active', today: true },
        { id: 4, name: 'dee', status: 'active', today: true },
        { id: 5, name: 'eve', status: 'vip', today: true },
      ]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual([{ id: 2, name: 'bob' }, { id: 3, name: 'cy' }, { id: 4, name: 'dee' }, { id: 5, name: 'eve' }]);
    },
  },
  {
    title: 'addColumn unique',
    setup: USERS,
    migration: defineMigration({
      name: 'add_email',
      operations: [op.addColumn({ table: 'users', column: { name: 'email', type: 'text', unique: true }, up: `name || '@example.com'` })],
    }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO users (name) VALUES ('dee')`);
      await next.query(`INSERT INTO users (name, email) VALUES ('eve', 'eve@x.io')`);
      await expect(next.query(`INSERT INTO users (name, email) VALUES ('eve2', 'eve@x.io')`)).rejects.toThrow(/users_email_key/);
      // up gives old-release writes an email too, and the new constraint applies to it.
      await expect(old.query(`INSERT INTO users (name) VALUES ('dee')`)).rejects.toThrow(/users_email_key/);
      expect(await next.query(`SELECT id, email FROM users WHERE id > 3 ORDER BY id`)).toEqual([{ id: 4, email: 'dee@example.com' }, { id: 5, email: 'eve@x.io' }]);
      expect(await old.query(`SELECT id, name FROM users WHERE id > 3 ORDER BY id`)).toEqual([{ id: 4, name: 'dee' }, { id: 5, name: 'eve' }]);
    },
    async completed({ old, next }) {
      expect(await constraintsOf(old, 'users')).toEqual(['users_email_key UNIQUE (email)', 'users_pkey PRIMARY KEY (id)']);
      await expect(next.query(`UPDATE users SET email = 'ann@example.com' WHERE id = 2`)).rejects.toThrow(/users_email_key/);
      expect(await old.query(`SELECT id, name, email FROM users ORDER BY id`)).toEqual([
        { id: 1, name: 'ann', email: 'ann@example.com' },
        { id: 2, name: 'bob', email: 'bob@example.com' },
        { id: 3, name: 'cy', email: 'cy@example.com' },
        { id: 4, name: 'dee', email: 'dee@example.com' },
        { id: 5, name: 'eve', email: 'eve@x.io' },
      ]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT id, name FROM users WHERE id > 3 ORDER BY id`)).toEqual([{ id: 4, name: 'dee' }, { id: 5, name: 'eve' }]);
    },
  },
  {
    title: 'addColumn with a check',
    setup: USERS,
    migration: defineMigration({
      name: 'add_score',
      operations: [op.addColumn({ table: 'users', column: { name: 'score', type: 'integer', check: 'score >= 0' }, up: 'length(name)' })],
    }),
    async expanded({ old, next }) {
      await expect(next.query(`INSERT INTO users (name, score) VALUES ('neg', -1)`)).rejects.toThrow(/users_score_check/);
      await next.query(`INSERT INTO users (name, score) VALUES ('eve', 10)`);
      await old.query(`UPDATE users SET name = 'bobby' WHERE id = 2`);
      expect(await next.query(`SELECT id, name, score FROM users WHERE id IN (2, 5) ORDER BY id`)).toEqual([{ id: 2, name: 'bobby', score: 5 }, { id: 5, name: 'eve', score: 10 }]);
      expect(await old.query(`SELECT id, name FROM users WHERE id = 5`)).toEqual([{ id: 5, name: 'eve' }]);
    },
    async completed({ old }) {
      expect(await constraintsOf(old, 'users')).toEqual(['users_pkey PRIMARY KEY (id)', 'users_score_check CHECK ((score >= 0))']);
      expect(await old.query(`SELECT id, score FROM users ORDER BY id`)).toEqual([{ id: 1, score: 3 }, { id: 2, score: 5 }, { id: 3, score: 2 }, { id: 5, score: 10 }]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual([{ id: 1, name: 'ann' }, { id: 2, name: 'bobby' }, { id: 3, name: 'cy' }, { id: 5, name: 'eve' }]);
    },
  },
  {
    title: 'addColumn with references',
    setup: `CREATE TABLE teams (id integer PRIMARY KEY, label text NOT NULL);
      INSERT INTO teams VALUES (1, 'red'), (2, 'blue');
      ${USERS}`,
    migration: defineMigration({
      name: 'add_team',
      operations: [
        op.addColumn({ table: 'users', column: { name: 'team_id', type: 'integer', references: { table: 'teams', column: 'id' } }, up: 'CASE WHEN id % 2 = 0 THEN 2 ELSE 1 END' }),
      ],
    }),
    async expanded({ old, next }) {
      await expect(next.query(`INSERT INTO users (name, team_id) VALUES ('eve', 99)`)).rejects.toThrow(/users_team_id_fkey/);
      await next.query(`INSERT INTO users (name, team_id) VALUES ('eve', 2)`);
      await old.query(`INSERT INTO users (name) VALUES ('dee')`);
      expect(await next.query(`SELECT u.name, t.label FROM users u JOIN teams t ON t.id = u.team_id WHERE u.id > 3 ORDER BY u.id`)).toEqual([
        { name: 'eve', label: 'blue' },
        { name: 'dee', label: 'blue' },
      ]);
    },
    async completed({ old }) {
      expect(await constraintsOf(old, 'users')).toEqual(['users_pkey PRIMARY KEY (id)', 'users_team_id_fkey FOREIGN KEY (team_id) REFERENCES teams(id)']);
      expect(await old.query(`SELECT id, team_id FROM users ORDER BY id`)).toEqual([
        { id: 1, team_id: 1 }, { id: 2, team_id: 2 }, { id: 3, team_id: 1 }, { id: 5, team_id: 2 }, { id: 6, team_id: 2 },
      ]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT * FROM users WHERE id > 3 ORDER BY id`)).toEqual([{ id: 5, name: 'eve' }, { id: 6, name: 'dee' }]);
    },
  },
];

describeOperationCases('add_column', CASES);
