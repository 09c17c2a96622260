import { expect } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { columnsOf, describeOperationCases, indexesOf, type OperationCase } from '../support/operationCase.js';
import type { Shape } from '../support/targets.js';

/** Two levels of partitions; the partition key (region) is part of the composite primary key. */
const ORDERS = `CREATE TABLE orders (id int, region text, note text, amount text NOT NULL, PRIMARY KEY (id, region)) PARTITION BY LIST (region);
CREATE TABLE orders_eu PARTITION OF orders FOR VALUES IN ('eu');
CREATE TABLE orders_us PARTITION OF orders FOR VALUES IN ('us') PARTITION BY HASH (id);
CREATE TABLE orders_us_0 PARTITION OF orders_us FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE orders_us_1 PARTITION OF orders_us FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO orders VALUES (1, 'eu', 'first', '10'), (2, 'us', 'second', '20'), (3, 'us', 'third', '30'), (4, 'eu', 'fourth', '40');`;

const partitionOf = (shape: Shape) =>
  shape.query<{ id: number; part: string; amount: string }>(`SELECT id, tableoid::regclass::text AS part, amount FROM public.orders ORDER BY id`);

const CASE: OperationCase = {
  title: 'partitioned table with a composite key: addColumn with up, alterColumn type, createIndex',
  setup: ORDERS,
  migration: defineMigration({
    name: 'orders_v2',
    operations: [
      op.addColumn({ table: 'orders', column: { name: 'label', type: 'text' }, up: 'upper(note)' }),
      op.alterColumn({ table: 'orders', column: 'amount', type: 'integer', up: 'amount::integer', down: 'amount::text' }),
      op.createIndex({ table: 'orders', columns: ['label'] }),
    ],
  }),
  async expanded({ old, next }) {
    // The version schema shows the partitioned table only, not its partitions.
    expect(await next.query(`SELECT table_name FROM information_schema.views WHERE table_schema = 'public_orders_v2' ORDER BY 1`)).toEqual([{ table_name: 'orders' }]);
    await old.query(`INSERT INTO orders (id, region, note, amount) VALUES (5, 'us', 'fifth', '50')`);
    await next.query(`INSERT INTO orders (id, region, note, label, amount) VALUES (6, 'eu', 'sixth', 'SIX', 60)`);
    // Rows move between partitions through both shapes.
    expect(await old.query(`UPDATE orders SET region = 'us', note = 'moved' WHERE id = 1 RETURNING id`)).toEqual([{ id: 1 }]);
    expect(await next.query(`UPDATE orders SET region = 'eu', amount = 21 WHERE id = 2 RETURNING id`)).toEqual([{ id: 2 }]);
    await next.query(`UPDATE orders SET amount = 31 WHERE id = 3`);
    expect(await next.query(`SELECT id, region, note, label, amount FROM orders ORDER BY id`)).toEqual([
      { id: 1, region: 'us', note: 'moved', label: 'MOVED', amount: 10 },
      // New-release writes fill the new columns of rows not backfilled yet; row 4 waits for backfill.
      { id: 2, region: 'eu', note: 'second', label: 'SECOND', amount: 21 },
      { id: 3, region: 'us', note: 'third', label: 'THIRD', amount: 31 },
      { id: 4, region: 'eu', note: 'fourth', label: null, amount: null },
      { id: 5, region: 'us', note: 'fifth', label: 'FIFTH', amount: 50 },
      { id: 6, region: 'eu', note: 'sixth', label: 'SIX', amount: 60 },
    ]);
    expect((await partitionOf(old)).map((r) => [r.id, r.part.replace(/_[01]$/, ''), r.amount])).toEqual([
      [1, 'orders_us', '10'], [2, 'orders_eu', '21'], [3, 'orders_us', '31'], [4, 'orders_eu', '40'], [5, 'orders_us', '50'], [6, 'orders_eu', '60'],
    ]);
    // The index is built on every partition and attached, so the parent's index is valid.
    expect((await indexesOf(old, 'orders')).filter((d) => d.includes('label'))).toEqual(['CREATE INDEX orders_label_idx ON ONLY public.orders USING btree (label)']);
  },
  async completed({ old, next }) {
    expect(await columnsOf(old, 'orders')).toEqual(['id integer NOT NULL', 'region text NOT NULL', 'note text', 'label text', 'amount integer NOT NULL']);
    expect((await indexesOf(old, 'orders_us_1')).filter((d) => d.includes('label'))).toHaveLength(1);
    await next.query(`UPDATE orders SET region = 'us' WHERE id = 4`);
    expect(await old.query(`SELECT id, region, label, amount FROM orders ORDER BY id`)).toEqual([
      { id: 1, region: 'us', label: 'MOVED', amount: 10 },
      { id: 2, region: 'eu', label: 'SECOND', amount: 21 },
      { id: 3, region: 'us', label: 'THIRD', amount: 31 },
      { id: 4, region: 'us', label: 'FOURTH', amount: 40 },
      { id: 5, region: 'us', label: 'FIFTH', amount: 50 },
      { id: 6, region: 'eu', label: 'SIX', amount: 60 },
    ]);
  },
  async rolledBack(old) {
    expect(await old.query(`SELECT id, region, note, amount FROM orders ORDER BY id`)).toEqual([
      { id: 1, region: 'us', note: 'moved', amount: '10' },
      { id: 2, region: 'eu', note: 'second', amount: '21' },
      { id: 3, region: 'us', note: 'third', amount: '31' },
      { id: 4, region: 'eu', note: 'fourth', amount: '40' },
      { id: 5, region: 'us', note: 'fifth', amount: '50' },
      { id: 6, region: 'eu', note: 'sixth', amount: '60' },
    ]);
  },
};

const INDEXES: OperationCase = {
  title: 'partitioned table: an index and a unique index on existing columns, dropped again by rollback',
  setup: ORDERS,
  migration: defineMigration({
    name: 'orders_indexes',
    operations: [
      op.createIndex({ table: 'orders', columns: ['note'] }),
      op.addConstraint({ table: 'orders', name: 'orders_region_note_key', unique: ['region', 'note', 'id'] }),
    ],
  }),
  async expanded({ old, next }) {
    await expect(next.query(`INSERT INTO orders VALUES (1, 'eu', 'first', '50')`)).rejects.toThrow(/orders_pkey|orders_eu_pkey/);
    await old.query(`INSERT INTO orders VALUES (5, 'us', 'first', '50')`);
    expect(await indexesOf(old, 'orders')).toEqual([
      'CREATE INDEX orders_note_idx ON ONLY public.orders USING btree (note)',
      'CREATE UNIQUE INDEX orders_pkey ON ONLY public.orders USING btree (id, region)',
      'CREATE UNIQUE INDEX orders_region_note_key ON ONLY public.orders USING btree (region, note, id)',
    ]);
  },
  async completed({ old }) {
    expect(await indexesOf(old, 'orders_us_0')).toHaveLength(3);
  },
  async rolledBack(old) {
    expect(await indexesOf(old, 'orders_us_1')).toEqual(['CREATE UNIQUE INDEX orders_us_1_pkey ON public.orders_us_1 USING btree (id, region)']);
    expect(await old.query(`SELECT count(*)::int AS n FROM orders`)).toEqual([{ n: 5 }]);
  },
};

const DROP_INDEX: OperationCase = {
  title: 'partitioned table: dropIndex drops the index of every partition at complete',
  setup: `${ORDERS}
    CREATE INDEX orders_note_idx ON orders (note);`,
  migration: defineMigration({ name: 'orders_drop_index', operations: [op.dropIndex({ table: 'orders', name: 'orders_note_idx' })] }),
  async expanded({ old, next }) {
    await next.query(`INSERT INTO orders VALUES (5, 'us', 'fifth', '50')`);
    expect(await indexesOf(old, 'orders')).toEqual([
      'CREATE INDEX orders_note_idx ON ONLY public.orders USING btree (note)',
      'CREATE UNIQUE INDEX orders_pkey ON ONLY public.orders USING btree (id, region)',
    ]);
  },
  async completed({ old }) {
    expect(await indexesOf(old, 'orders')).toEqual(['CREATE UNIQUE INDEX orders_pkey ON ONLY public.orders USING btree (id, region)']);
    expect(await indexesOf(old, 'orders_us_0')).toEqual(['CREATE UNIQUE INDEX orders_us_0_pkey ON public.orders_us_0 USING btree (id, region)']);
  },
  async rolledBack(old) {
    expect(await indexesOf(old, 'orders_us_0')).toEqual([
      'CREATE INDEX orders_us_0_note_idx ON public.orders_us_0 USING btree (note)',
      'CREATE UNIQUE INDEX orders_us_0_pkey ON public.orders_us_0 USING btree (id, region)',
    ]);
    expect(await old.query(`SELECT count(*)::int AS n FROM orders`)).toEqual([{ n: 5 }]);
  },
};

describeOperationCases('partitioned', [CASE, INDEXES, DROP_INDEX]);
