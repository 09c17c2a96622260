import { expect } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { columnsOf, constraintsOf, describeOperationCases, type OperationCase } from '../support/operationCase.js';

const ID = `id integer NOT NULL DEFAULT nextval('products_id_seq'::regclass)`;
const PRODUCTS = `CREATE TABLE products (id serial PRIMARY KEY, title text NOT NULL, qty text NOT NULL, price text, email text, status text DEFAULT 'new');
  INSERT INTO products (title, qty, price, email) VALUES ('a', '1', '1.50', 'a@x.io'), ('b', '2', '2.25', NULL), ('c', '3', NULL, 'c@x.io');`;

const CASES: OperationCase[] = [
  {
    title: 'alterColumn type change with up and down',
    setup: PRODUCTS,
    migration: defineMigration({
      name: 'qty_integer',
      operations: [op.alterColumn({ table: 'products', column: 'qty', type: 'integer', up: 'qty::integer', down: 'qty::text' })],
    }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO products (title, qty) VALUES ('d', '4')`);
      await next.query(`INSERT INTO products (title, qty) VALUES ('e', 5)`);
      await next.query(`UPDATE products SET qty = 20 WHERE id = 1`);
      await old.query(`UPDATE products SET qty = '30' WHERE id = 2`);
      await next.query(`DELETE FROM products WHERE id = 3`);
      expect(await next.query(`SELECT id, qty FROM products ORDER BY id`)).toEqual([{ id: 1, qty: 20 }, { id: 2, qty: 30 }, { id: 4, qty: 4 }, { id: 5, qty: 5 }]);
      expect(await old.query(`SELECT id, qty FROM products ORDER BY id`)).toEqual([{ id: 1, qty: '20' }, { id: 2, qty: '30' }, { id: 4, qty: '4' }, { id: 5, qty: '5' }]);
    },
    async completed({ old, next }) {
      expect(await columnsOf(old, 'products')).toEqual([ID, 'title text NOT NULL', 'price text', 'email text', `status text DEFAULT 'new'::text`, 'qty integer NOT NULL']);
      await next.query(`UPDATE products SET qty = qty * 2 WHERE id = 4`);
      expect(await old.query(`SELECT id, qty FROM products ORDER BY id`)).toEqual([{ id: 1, qty: 20 }, { id: 2, qty: 30 }, { id: 4, qty: 8 }, { id: 5, qty: 5 }]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT id, title, qty FROM products ORDER BY id`)).toEqual([
        { id: 1, title: 'a', qty: '20' }, { id: 2, title: 'b', qty: '30' }, { id: 4, title: 'd', qty: '4' }, { id: 5, title: 'e', qty: '5' },
      ]);
    },
  },
  {
    title: 'alterColumn rename and type change',
    setup: PRODUCTS,
    migration: defineMigration({
      name: 'price_cents',
      operations: [
        op.alterColumn({
          table: 'products', column: 'price', name: 'price_cents', type: 'integer',
          up: 'round(price::numeric * 100)::integer', down: `to_char(price_cents / 100.0, 'FM999990.00')`,
        }),
      ],
    }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO products (title, qty, price) VALUES ('d', '4', '3.10')`);
      await next.query(`INSERT INTO products (title, qty, price_cents) VALUES ('e', '5', 999)`);
      await next.query(`UPDATE products SET price_cents = 100 WHERE id = 1`);
      await expect(next.query(`SELECT price FROM products`)).rejects.toThrow(/column "price" does not exist/);
      expect(await next.query(`SELECT id, price_cents FROM products WHERE id IN (1, 4, 5) ORDER BY id`)).toEqual([
        { id: 1, price_cents: 100 }, { id: 4, price_cents: 310 }, { id: 5, price_cents: 999 },
      ]);
      expect(await old.query(`SELECT id, price FROM products WHERE id IN (1, 4, 5) ORDER BY id`)).toEqual([
        { id: 1, price: '1.00' }, { id: 4, price: '3.10' }, { id: 5, price: '9.99' },
      ]);
    },
    async completed({ old, next }) {
      expect(await columnsOf(old, 'products')).toEqual([ID, 'title text NOT NULL', 'qty text NOT NULL', 'email text', `status text DEFAULT 'new'::text`, 'price_cents integer']);
      expect(await next.query(`SELECT id, price_cents FROM products ORDER BY id`)).toEqual([
        { id: 1, price_cents: 100 }, { id: 2, price_cents: 225 }, { id: 3, price_cents: null }, { id: 4, price_cents: 310 }, { id: 5, price_cents: 999 },
      ]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT id, price FROM products ORDER BY id`)).toEqual([
        { id: 1, price: '1.00' }, { id: 2, price: '2.25' }, { id: 3, price: null }, { id: 4, price: '3.10' }, { id: 5, price: '9.99' },
      ]);
    },
  },
  {
    title: 'alterColumn nullable false with up',
    setup: PRODUCTS,
    migration: defineMigration({
      name: 'email_required',
      operations: [op.alterColumn({ table: 'products', column: 'email', nullable: false, up: `coalesce(email, title || '@unknown.invalid')` })],
    }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO products (title, qty) VALUES ('d', '4')`);
      await expect(next.query(`INSERT INTO products (title, qty) VALUES ('x', '0')`)).rejects.toThrow(/products_email_not_null_check/);
      await next.query(`INSERT INTO products (title, qty, email) VALUES ('e', '5', 'e@x.io')`);
      expect(await next.query(`SELECT id, email FROM products WHERE id > 3 ORDER BY id`)).toEqual([{ id: 4, email: 'd@unknown.invalid' }, { id: 6, email: 'e@x.io' }]);
      // The old release keeps its NULL: the new column holds the fixed value.
      expect(await old.query(`SELECT id, email FROM products WHERE id > 3 ORDER BY id`)).toEqual([{ id: 4, email: null }, { id: 6, email: 'e@x.io' }]);
    },
    async completed({ old, next }) {
      expect(await columnsOf(old, 'products')).toEqual([ID, 'title text NOT NULL', 'qty text NOT NULL', 'price text', `status text DEFAULT 'new'::text`, 'email text NOT NULL']);
      await expect(next.query(`UPDATE products SET email = NULL WHERE id = 1`)).rejects.toThrow(/null value in column "email"/);
      expect(await old.query(`SELECT id, email FROM products ORDER BY id`)).toEqual([
        { id: 1, email: 'a@x.io' }, { id: 2, email: 'b@unknown.invalid' }, { id: 3, email: 'c@x.io' }, { id: 4, email: 'd@unknown.invalid' }, { id: 6, email: 'e@x.io' },
      ]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT id, email FROM products ORDER BY id`)).toEqual([
        { id: 1, email: 'a@x.io' }, { id: 2, email: null }, { id: 3, email: 'c@x.io' }, { id: 4, email: null }, { id: 6, email: 'e@x.io' },
      ]);
    },
  },
  {
    title: 'alterColumn default only',
    setup: PRODUCTS,
    migration: defineMigration({ name: 'status_default', operations: [op.alterColumn({ table: 'products', column: 'status', default: `'fresh'` })] }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO products (title, qty) VALUES ('d', '4')`);
      await next.query(`INSERT INTO products (title, qty) VALUES ('e', '5')`);
      expect(await next.query(`SELECT id, status FROM products ORDER BY id`)).toEqual([
        { id: 1, status: 'new' }, { id: 2, status: 'new' }, { id: 3, status: 'new' }, { id: 4, status: 'fresh' }, { id: 5, status: 'fresh' },
      ]);
      expect(await old.query(`SELECT id, status FROM products WHERE id > 3 ORDER BY id`)).toEqual([{ id: 4, status: 'fresh' }, { id: 5, status: 'fresh' }]);
    },
    async completed({ old, next }) {
      expect(await columnsOf(old, 'products')).toContain(`status text DEFAULT 'fresh'::text`);
      await next.query(`INSERT INTO products (title, qty) VALUES ('f', '6')`);
      expect(await old.query(`SELECT id, status FROM products WHERE id > 3 ORDER BY id`)).toEqual([{ id: 4, status: 'fresh' }, { id: 5, status: 'fresh' }, { id: 6, status: 'fresh' }]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT id, status FROM products ORDER BY id`)).toEqual([
        { id: 1, status: 'new' }, { id: 2, status: 'new' }, { id: 3, status: 'new' }, { id: 4, status: 'fresh' }, { id: 5, status: 'fresh' },
      ]);
    },
  },
  {
    title: 'alterColumn unique',
    setup: PRODUCTS,
    migration: defineMigration({ name: 'title_unique', operations: [op.alterColumn({ table: 'products', column: 'title', unique: true })] }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO products (title, qty) VALUES ('d', '4')`);
      await next.query(`INSERT INTO products (title, qty) VALUES ('e', '5')`);
      // Rows written since start are unique among themselves (older rows are checked as backfill fills them).
      await expect(next.query(`INSERT INTO products (title, qty) VALUES ('d', '9')`)).rejects.toThrow(/products_title_key/);
      await expect(old.query(`INSERT INTO products (title, qty) VALUES ('e', '9')`)).rejects.toThrow(/products_title_key/);
      await next.query(`UPDATE products SET title = 'aa' WHERE id = 1`);
      await old.query(`UPDATE products SET title = 'bb' WHERE id = 2`);
      // Row 3 is untouched since start: the new shape shows its title once backfill has filled it.
      expect(await next.query(`SELECT id, title FROM products ORDER BY id`)).toEqual([
        { id: 1, title: 'aa' }, { id: 2, title: 'bb' }, { id: 3, title: null }, { id: 4, title: 'd' }, { id: 5, title: 'e' },
      ]);
      expect(await old.query(`SELECT id, title FROM products ORDER BY id`)).toEqual([
        { id: 1, title: 'aa' }, { id: 2, title: 'bb' }, { id: 3, title: 'c' }, { id: 4, title: 'd' }, { id: 5, title: 'e' },
      ]);
    },
    async completed({ old, next }) {
      expect(await constraintsOf(old, 'products')).toEqual(['products_pkey PRIMARY KEY (id)', 'products_title_key UNIQUE (title)']);
      expect(await columnsOf(old, 'products')).toContain('title text NOT NULL');
      await expect(next.query(`UPDATE products SET title = 'c' WHERE id = 1`)).rejects.toThrow(/products_title_key/);
      expect(await old.query(`SELECT id, title FROM products ORDER BY id`)).toEqual([
        { id: 1, title: 'aa' }, { id: 2, title: 'bb' }, { id: 3, title: 'c' }, { id: 4, title: 'd' }, { id: 5, title: 'e' },
      ]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT id, title FROM products ORDER BY id`)).toEqual([
        { id: 1, title: 'aa' }, { id: 2, title: 'bb' }, { id: 3, title: 'c' }, { id: 4, title: 'd' }, { id: 5, title: 'e' },
      ]);
    },
  },
];

describeOperationCases('alter_column', CASES);
