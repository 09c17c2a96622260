import { expect } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { columnsOf, describeOperationCases, type OperationCase } from '../support/operationCase.js';

const CASES: OperationCase[] = [
  {
    title: 'dropColumn with down',
    setup: `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, nickname text NOT NULL);
      INSERT INTO users (name, nickname) VALUES ('ann', 'A'), ('bob', 'B'), ('cy', 'C');`,
    migration: defineMigration({ name: 'drop_nickname', operations: [op.dropColumn({ table: 'users', column: 'nickname', down: 'name' })] }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO users (name, nickname) VALUES ('dee', 'D')`);
      await next.query(`INSERT INTO users (name) VALUES ('eve')`);
      await next.query(`UPDATE users SET name = 'anna' WHERE id = 1`);
      await old.query(`UPDATE users SET nickname = 'B2' WHERE id = 2`);
      await expect(next.query(`SELECT nickname FROM users`)).rejects.toThrow(/column "nickname" does not exist/);
      expect(await next.query(`SELECT * FROM users ORDER BY id`)).toEqual([
        { id: 1, name: 'anna' }, { id: 2, name: 'bob' }, { id: 3, name: 'cy' }, { id: 4, name: 'dee' }, { id: 5, name: 'eve' },
      ]);
      // New-release writes give the old column its value through down.
      expect(await old.query(`SELECT id, nickname FROM users ORDER BY id`)).toEqual([
        { id: 1, nickname: 'anna' }, { id: 2, nickname: 'B2' }, { id: 3, nickname: 'C' }, { id: 4, nickname: 'D' }, { id: 5, nickname: 'eve' },
      ]);
    },
    async completed({ old, next }) {
      expect(await columnsOf(old, 'users')).toEqual([`id integer NOT NULL DEFAULT nextval('users_id_seq'::regclass)`, 'name text NOT NULL']);
      await next.query(`INSERT INTO users (name) VALUES ('fay')`);
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual([
        { id: 1, name: 'anna' }, { id: 2, name: 'bob' }, { id: 3, name: 'cy' }, { id: 4, name: 'dee' }, { id: 5, name: 'eve' }, { id: 6, name: 'fay' },
      ]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual([
        { id: 1, name: 'anna', nickname: 'anna' },
        { id: 2, name: 'bob', nickname: 'B2' },
        { id: 3, name: 'cy', nickname: 'C' },
        { id: 4, name: 'dee', nickname: 'D' },
        { id: 5, name: 'eve', nickname: 'eve' },
      ]);
    },
  },
  {
    title: 'renameColumn',
    setup: `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);
      INSERT INTO users (name) VALUES ('ann'), ('bob'), ('cy');`,
    migration: defineMigration({ name: 'rename_name', operations: [op.renameColumn({ table: 'users', from: 'name', to: 'full_name' })] }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO users (name) VALUES ('dee')`);
      await next.query(`INSERT INTO users (full_name) VALUES ('eve')`);
      await next.query(`UPDATE users SET full_name = 'anna' WHERE id = 1`);
      await old.query(`UPDATE users SET name = 'bobby' WHERE id = 2`);
      await next.query(`DELETE FROM users WHERE id = 3`);
      expect(await next.query(`SELECT * FROM users ORDER BY id`)).toEqual([
        { id: 1, full_name: 'anna' }, { id: 2, full_name: 'bobby' }, { id: 4, full_name: 'dee' }, { id: 5, full_name: 'eve' },
      ]);
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual([
        { id: 1, name: 'anna' }, { id: 2, name: 'bobby' }, { id: 4, name: 'dee' }, { id: 5, name: 'eve' },
      ]);
    },
    async completed({ old, next }) {
      expect(await columnsOf(old, 'users')).toEqual([`id integer NOT NULL DEFAULT nextval('users_id_seq'::regclass)`, 'full_name text NOT NULL']);
      await next.query(`UPDATE users SET full_name = 'eva' WHERE id = 5`);
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual([
        { id: 1, full_name: 'anna' }, { id: 2, full_name: 'bobby' }, { id: 4, full_name: 'dee' }, { id: 5, full_name: 'eva' },
      ]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT * FROM users ORDER BY id`)).toEqual([
        { id: 1, name: 'anna' }, { id: 2, name: 'bobby' }, { id: 4, name: 'dee' }, { id: 5, name: 'eve' },
      ]);
    },
  },
];

describeOperationCases('drop_rename_column', CASES);
