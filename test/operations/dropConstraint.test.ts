import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { columnsOf, constraintsOf, describeOperationCases, indexesOf, type OperationCase, type Shapes } from '../support/operationCase.js';
import type { Shape } from '../support/targets.js';
import { runUnderWrites, type UnderWritesCase } from '../support/underWrites.js';

const ORDERS = `CREATE TABLE customers (id integer PRIMARY KEY);
INSERT INTO customers VALUES (1), (2);
CREATE TABLE orders (
  id integer PRIMARY KEY,
  customer integer CONSTRAINT orders_customer_fkey REFERENCES customers (id),
  ref text,
  qty integer NOT NULL CONSTRAINT orders_qty_positive CHECK (qty > 0),
  lo integer, hi integer,
  CONSTRAINT orders_customer_ref_key UNIQUE (customer, ref),
  CONSTRAINT orders_lo_hi CHECK (lo <= hi)
);
INSERT INTO orders VALUES (1, 1, 'a', 1, 1, 2), (2, 2, 'b', 2, 3, 4);`;

const PKEY = 'orders_pkey PRIMARY KEY (id)';
const FKEY = 'orders_customer_fkey FOREIGN KEY (customer) REFERENCES customers(id)';
const REF_KEY = 'orders_customer_ref_key UNIQUE (customer, ref)';
const QTY = 'orders_qty_positive CHECK ((qty > 0))';
const LO_HI = 'orders_lo_hi CHECK ((lo <= hi))';

/** Both releases are refused a write that breaks the constraint while it still holds. */
async function bothRefused({ old, next }: Shapes, sql: string, constraint: string): Promise<void> {
  await expect(old.query(sql)).rejects.toThrow(new RegExp(constraint));
  await expect(next.query(sql)).rejects.toThrow(new RegExp(constraint));
}

const qtyOf = async (shape: Shape) => shape.query<{ id: number; qty: number }>(`SELECT id, qty FROM orders ORDER BY id`);

const replicaIdentity = async (shape: Shape, table: string) =>
  (await shape.query<{ r: string; index: string | null }>(
    `SELECT relreplident AS r, (SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = c.oid AND indisreplident) AS index FROM pg_class c WHERE oid = to_regclass($1)`,
    [`public.${table}`],
  ))[0];

const CASES: OperationCase[] = [
  {
    title: 'dropConstraint check: holds for both releases until complete',
    setup: ORDERS,
    migration: defineMigration({ name: 'drop_qty_check', operations: [op.dropConstraint({ table: 'orders', name: 'orders_qty_positive' })] }),
    async expanded(shapes) {
      await bothRefused(shapes, `UPDATE orders SET qty = 0 WHERE id = 1`, 'orders_qty_positive');
      await shapes.next.query(`INSERT INTO orders (id, qty) VALUES (3, 7)`);
      await shapes.old.query(`UPDATE orders SET qty = 9 WHERE id = 2`);
      expect(await qtyOf(shapes.old)).toEqual([{ id: 1, qty: 1 }, { id: 2, qty: 9 }, { id: 3, qty: 7 }]);
      expect(await qtyOf(shapes.next)).toEqual([{ id: 1, qty: 1 }, { id: 2, qty: 9 }, { id: 3, qty: 7 }]);
    },
    async completed({ next }) {
      expect(await constraintsOf(next, 'orders')).toEqual([FKEY, REF_KEY, LO_HI, PKEY]);
      await next.query(`UPDATE orders SET qty = 0 WHERE id = 1`);
      expect(await qtyOf(next)).toEqual([{ id: 1, qty: 0 }, { id: 2, qty: 9 }, { id: 3, qty: 7 }]);
    },
    async rolledBack(old) {
      await expect(old.query(`UPDATE orders SET qty = 0 WHERE id = 1`)).rejects.toThrow(/orders_qty_positive/);
      expect(await qtyOf(old)).toEqual([{ id: 1, qty: 1 }, { id: 2, qty: 9 }, { id: 3, qty: 7 }]);
    },
  },
  {
    title: 'dropConstraint check with column and down: the new release is free of it at once, the old one reads valid values',
    setup: ORDERS,
    migration: defineMigration({ name: 'free_qty', operations: [op.dropConstraint({ table: 'orders', name: 'orders_qty_positive', column: 'qty', down: 'greatest(qty, 1)' })] }),
    async expanded({ old, next }) {
      await next.query(`UPDATE orders SET qty = 0 WHERE id = 1`);
      await next.query(`INSERT INTO orders (id, qty) VALUES (3, -5)`);
      await expect(old.query(`UPDATE orders SET qty = 0 WHERE id = 2`)).rejects.toThrow(/orders_qty_positive/);
      await old.query(`UPDATE orders SET qty = 8 WHERE id = 2`);
      // NOT NULL goes on holding for the new shape's copy.
      await expect(next.query(`INSERT INTO orders (id, qty) VALUES (4, NULL)`)).rejects.toThrow(/not_null|null value/);
      expect(await qtyOf(next)).toEqual([{ id: 1, qty: 0 }, { id: 2, qty: 8 }, { id: 3, qty: -5 }]);
      expect(await qtyOf(old)).toEqual([{ id: 1, qty: 1 }, { id: 2, qty: 8 }, { id: 3, qty: 1 }]);
    },
    async completed({ next }) {
      expect(await constraintsOf(next, 'orders')).toEqual([FKEY, REF_KEY, LO_HI, PKEY]);
      expect(await columnsOf(next, 'orders')).toEqual(['id integer NOT NULL', 'customer integer', 'ref text', 'lo integer', 'hi integer', 'qty integer NOT NULL']);
      expect(await qtyOf(next)).toEqual([{ id: 1, qty: 0 }, { id: 2, qty: 8 }, { id: 3, qty: -5 }]);
    },
    async rolledBack(old) {
      expect(await constraintsOf(old, 'orders')).toEqual([FKEY, REF_KEY, LO_HI, PKEY, QTY]);
      expect(await qtyOf(old)).toEqual([{ id: 1, qty: 1 }, { id: 2, qty: 8 }, { id: 3, qty: 1 }]);
    },
  },
  {
    title: 'dropConstraint check over two columns with column and down: one column carries the fix',
    setup: ORDERS,
    migration: defineMigration({ name: 'free_lo', operations: [op.dropConstraint({ table: 'orders', name: 'orders_lo_hi', column: 'lo', down: 'least(lo, hi)' })] }),
    async expanded({ old, next }) {
      await next.query(`UPDATE orders SET lo = 10 WHERE id = 1`);
      await expect(old.query(`UPDATE orders SET lo = 10 WHERE id = 2`)).rejects.toThrow(/orders_lo_hi/);
      await old.query(`UPDATE orders SET hi = 5 WHERE id = 2`);
      // The other checks of "lo"'s table still hold for the new shape.
      await expect(next.query(`UPDATE orders SET qty = 0 WHERE id = 2`)).rejects.toThrow(/orders_qty_positive/);
      expect(await next.query(`SELECT id, lo, hi FROM orders ORDER BY id`)).toEqual([{ id: 1, lo: 10, hi: 2 }, { id: 2, lo: 3, hi: 5 }]);
      expect(await old.query(`SELECT id, lo, hi FROM orders ORDER BY id`)).toEqual([{ id: 1, lo: 2, hi: 2 }, { id: 2, lo: 3, hi: 5 }]);
    },
    async completed({ next }) {
      expect(await constraintsOf(next, 'orders')).toEqual([FKEY, REF_KEY, PKEY, QTY]);
      expect(await next.query(`SELECT id, lo, hi FROM orders ORDER BY id`)).toEqual([{ id: 1, lo: 10, hi: 2 }, { id: 2, lo: 3, hi: 5 }]);
    },
    async rolledBack(old) {
      expect(await constraintsOf(old, 'orders')).toEqual([FKEY, REF_KEY, LO_HI, PKEY, QTY]);
      expect(await old.query(`SELECT id, lo, hi FROM orders ORDER BY id`)).toEqual([{ id: 1, lo: 2, hi: 2 }, { id: 2, lo: 3, hi: 5 }]);
    },
  },
  {
    title: 'dropConstraint check, then alterColumn on its column: the check is not carried over to the copy',
    setup: ORDERS,
    migration: defineMigration({
      name: 'drop_then_alter',
      operations: [
        op.dropConstraint({ table: 'orders', name: 'orders_qty_positive' }),
        op.alterColumn({ table: 'orders', column: 'qty', type: 'bigint', up: 'qty::bigint', down: 'qty::integer' }),
      ],
    }),
    async expanded({ old, next }) {
      await expect(old.query(`UPDATE orders SET qty = 0 WHERE id = 1`)).rejects.toThrow(/orders_qty_positive/);
      await next.query(`UPDATE orders SET qty = 5 WHERE id = 1`);
      expect(await qtyOf(old)).toEqual([{ id: 1, qty: 5 }, { id: 2, qty: 2 }]);
    },
    async completed({ next }) {
      expect(await constraintsOf(next, 'orders')).toEqual([FKEY, REF_KEY, LO_HI, PKEY]);
      await next.query(`UPDATE orders SET qty = 0 WHERE id = 1`);
    },
    async rolledBack(old) {
      expect(await constraintsOf(old, 'orders')).toEqual([FKEY, REF_KEY, LO_HI, PKEY, QTY]);
    },
  },
  {
    title: 'dropConstraint unique over two columns: its index goes with it at complete',
    setup: ORDERS,
    migration: defineMigration({ name: 'drop_ref_key', operations: [op.dropConstraint({ table: 'orders', name: 'orders_customer_ref_key' })] }),
    async expanded(shapes) {
      await bothRefused(shapes, `INSERT INTO orders (id, customer, ref, qty) VALUES (3, 1, 'a', 1)`, 'orders_customer_ref_key');
      await shapes.next.query(`INSERT INTO orders (id, customer, ref, qty) VALUES (3, 1, 'c', 1)`);
      expect(await indexesOf(shapes.old, 'orders')).toContain('CREATE UNIQUE INDEX orders_customer_ref_key ON public.orders USING btree (customer, ref)');
    },
    async completed({ next }) {
      expect(await constraintsOf(next, 'orders')).toEqual([FKEY, LO_HI, PKEY, QTY]);
      expect(await indexesOf(next, 'orders')).toEqual(['CREATE UNIQUE INDEX orders_pkey ON public.orders USING btree (id)']);
      await next.query(`INSERT INTO orders (id, customer, ref, qty) VALUES (4, 1, 'a', 1)`);
    },
    async rolledBack(old) {
      await expect(old.query(`INSERT INTO orders (id, customer, ref, qty) VALUES (4, 1, 'c', 1)`)).rejects.toThrow(/orders_customer_ref_key/);
    },
  },
  {
    title: 'dropConstraint foreign key',
    setup: ORDERS,
    migration: defineMigration({ name: 'drop_customer_fkey', operations: [op.dropConstraint({ table: 'orders', name: 'orders_customer_fkey' })] }),
    async expanded(shapes) {
      await bothRefused(shapes, `UPDATE orders SET customer = 9 WHERE id = 1`, 'orders_customer_fkey');
      await shapes.old.query(`UPDATE orders SET customer = 2 WHERE id = 1`);
      expect(await shapes.next.query(`SELECT id, customer FROM orders ORDER BY id`)).toEqual([{ id: 1, customer: 2 }, { id: 2, customer: 2 }]);
    },
    async completed({ next }) {
      expect(await constraintsOf(next, 'orders')).toEqual([REF_KEY, LO_HI, PKEY, QTY]);
      await next.query(`UPDATE orders SET customer = 9 WHERE id = 1`);
      await next.query(`DELETE FROM customers WHERE id = 2`);
    },
    async rolledBack(old) {
      await expect(old.query(`DELETE FROM customers WHERE id = 2`)).rejects.toThrow(/orders_customer_fkey/);
    },
  },
  {
    title: 'dropConstraint exclusion',
    setup: `CREATE TABLE bookings (id integer PRIMARY KEY, during int4range NOT NULL, CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&));
INSERT INTO bookings VALUES (1, '[1,5)'), (2, '[5,9)');`,
    migration: defineMigration({ name: 'drop_overlap', operations: [op.dropConstraint({ table: 'bookings', name: 'bookings_no_overlap' })] }),
    async expanded(shapes) {
      await bothRefused(shapes, `INSERT INTO bookings VALUES (3, '[2,3)')`, 'bookings_no_overlap');
      await shapes.next.query(`INSERT INTO bookings VALUES (3, '[9,12)')`);
    },
    async completed({ next }) {
      expect(await constraintsOf(next, 'bookings')).toEqual(['bookings_pkey PRIMARY KEY (id)']);
      expect(await indexesOf(next, 'bookings')).toEqual(['CREATE UNIQUE INDEX bookings_pkey ON public.bookings USING btree (id)']);
      await next.query(`INSERT INTO bookings VALUES (4, '[2,3)')`);
    },
    async rolledBack(old) {
      await expect(old.query(`INSERT INTO bookings VALUES (4, '[2,3)')`)).rejects.toThrow(/bookings_no_overlap/);
      expect(await old.query(`SELECT count(*)::int AS n FROM bookings`)).toEqual([{ n: 3 }]);
    },
  },
  {
    title: 'dropConstraint primary key, with the replica identity moved first to a unique index built by the same migration',
    setup: `CREATE TABLE events (id integer PRIMARY KEY, uuid text NOT NULL);
INSERT INTO events VALUES (1, 'u1'), (2, 'u2');`,
    migration: defineMigration({
      name: 'drop_events_pkey',
      operations: [
        op.createIndex({ table: 'events', columns: ['uuid'], name: 'events_uuid_key', unique: true }),
        op.setReplicaIdentity({ table: 'events', identity: { index: 'events_uuid_key' } }),
        op.dropConstraint({ table: 'events', name: 'events_pkey' }),
      ],
    }),
    async expanded(shapes) {
      expect(await replicaIdentity(shapes.old, 'events')).toEqual({ r: 'i', index: 'events_uuid_key' });
      await bothRefused(shapes, `INSERT INTO events VALUES (1, 'u9')`, 'events_pkey');
      await shapes.next.query(`INSERT INTO events VALUES (3, 'u3')`);
    },
    async completed({ next }) {
      expect(await constraintsOf(next, 'events')).toEqual([]);
      expect(await replicaIdentity(next, 'events')).toEqual({ r: 'i', index: 'events_uuid_key' });
      expect(await columnsOf(next, 'events')).toEqual(['id integer NOT NULL', 'uuid text NOT NULL']);
      await next.query(`INSERT INTO events VALUES (1, 'u4')`);
    },
    async rolledBack(old) {
      expect(await replicaIdentity(old, 'events')).toEqual({ r: 'd', index: null });
      await expect(old.query(`INSERT INTO events VALUES (1, 'u4')`)).rejects.toThrow(/events_pkey/);
    },
  },
  {
    title: 'setReplicaIdentity full, at start',
    setup: `CREATE TABLE events (id integer PRIMARY KEY, uuid text NOT NULL CONSTRAINT events_uuid_key UNIQUE);
ALTER TABLE events REPLICA IDENTITY USING INDEX events_uuid_key;
INSERT INTO events VALUES (1, 'u1');`,
    migration: defineMigration({ name: 'events_full', operations: [op.setReplicaIdentity({ table: 'events', identity: 'full' })] }),
    async expanded({ old, next }) {
      expect(await replicaIdentity(old, 'events')).toEqual({ r: 'f', index: null });
      await old.query(`INSERT INTO events VALUES (2, 'u2')`);
      await next.query(`UPDATE events SET uuid = 'v1' WHERE id = 1`);
      expect(await old.query(`SELECT id, uuid FROM events ORDER BY id`)).toEqual([{ id: 1, uuid: 'v1' }, { id: 2, uuid: 'u2' }]);
    },
    async completed({ next }) {
      expect(await replicaIdentity(next, 'events')).toEqual({ r: 'f', index: null });
    },
    async rolledBack(old) {
      expect(await replicaIdentity(old, 'events')).toEqual({ r: 'i', index: 'events_uuid_key' });
    },
  },
  {
    title: 'alterColumn on the column of a UNIQUE constraint that is the replica identity: the constraint and the identity are carried over',
    setup: `CREATE TABLE events (id integer PRIMARY KEY, uuid text NOT NULL CONSTRAINT events_uuid_key UNIQUE);
ALTER TABLE events REPLICA IDENTITY USING INDEX events_uuid_key;
INSERT INTO events VALUES (1, 'u1');`,
    migration: defineMigration({ name: 'events_uuid_varchar', operations: [op.alterColumn({ table: 'events', column: 'uuid', type: 'varchar(40)', up: 'uuid::varchar(40)', down: 'uuid::text' })] }),
    async expanded({ old, next }) {
      expect(await replicaIdentity(old, 'events')).toEqual({ r: 'i', index: 'events_uuid_key' });
      await next.query(`INSERT INTO events VALUES (2, 'u2')`);
    },
    async completed({ next }) {
      expect(await constraintsOf(next, 'events')).toEqual(['events_pkey PRIMARY KEY (id)', 'events_uuid_key UNIQUE (uuid)']);
      await expect(next.query(`INSERT INTO events VALUES (3, 'u1')`)).rejects.toThrow(/events_uuid_key/);
      expect(await replicaIdentity(next, 'events')).toEqual({ r: 'i', index: 'events_uuid_key' });
    },
    async rolledBack(old) {
      expect(await replicaIdentity(old, 'events')).toEqual({ r: 'i', index: 'events_uuid_key' });
    },
  },
];

describeOperationCases('drop_constraint', CASES);

/** Rows id = 1..200 with qty 1..200: every value the old release writes is positive. */
const QTY_ROWS = `CREATE TABLE orders (id integer PRIMARY KEY, qty integer NOT NULL CONSTRAINT orders_qty_positive CHECK (qty > 0));
INSERT INTO orders SELECT i, i FROM generate_series(1, 200) i;`;

/** The new release writes 0 (which the check refuses) every other time. */
const qtyWritten = (i: number, release: 'old' | 'new') => (release === 'new' && i % 2 === 0 ? '0' : String(i + 1));

const constraintNames = async (db: pg.Client) =>
  (await db.query<{ conname: string }>(`SELECT conname FROM pg_constraint WHERE conrelid = 'public.orders'::regclass ORDER BY 1`)).rows.map((r) => r.conname);

describe('postgres: dropConstraint and setReplicaIdentity while both releases write', () => {
  const plain: UnderWritesCase = {
    label: 'drop_check_writes',
    setup: QTY_ROWS,
    rows: 200,
    migration: defineMigration({ name: 'drop_qty_check', operations: [op.dropConstraint({ table: 'orders', name: 'orders_qty_positive' })] }),
    old: { table: 'orders', column: 'qty' },
    next: { table: 'orders', column: 'qty' },
    value: (i) => String(i + 1),
  };

  it('dropConstraint check: complete', () => runUnderWrites(plain, 'complete', async (db) => {
    expect(await constraintNames(db)).toEqual(['orders_pkey']);
  }));

  it('dropConstraint check: rollback', () => runUnderWrites(plain, 'rollback', async (db) => {
    expect(await constraintNames(db)).toEqual(['orders_pkey', 'orders_qty_positive']);
  }));

  const freed = (end: 'complete' | 'rollback'): UnderWritesCase => ({
    label: 'free_qty_writes',
    setup: QTY_ROWS,
    rows: 200,
    migration: defineMigration({ name: 'free_qty', operations: [op.dropConstraint({ table: 'orders', name: 'orders_qty_positive', column: 'qty', down: 'greatest(qty, 1)' })] }),
    old: { table: 'orders', column: 'qty' },
    next: { table: 'orders', column: 'qty' },
    value: qtyWritten,
    // After rollback the table holds the old column, where the new release's 0 became down's 1.
    expected: (written) => (end === 'rollback' && written === '0' ? '1' : written),
  });

  it('dropConstraint check with down: complete keeps the 0s the new release wrote', () => runUnderWrites(freed('complete'), 'complete', async (db) => {
    expect(await constraintNames(db)).toEqual(['orders_pkey']);
    const [zeros] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders WHERE qty = 0`)).rows;
    expect(zeros!.n).toBeGreaterThan(0);
  }));

  it('dropConstraint check with down: rollback leaves the old release only valid values', () => runUnderWrites(freed('rollback'), 'rollback', async (db) => {
    expect(await constraintNames(db)).toEqual(['orders_pkey', 'orders_qty_positive']);
    expect((await db.query(`SELECT count(*)::int AS n FROM orders WHERE qty <= 0`)).rows).toEqual([{ n: 0 }]);
  }));

  const full: UnderWritesCase = {
    label: 'replica_full_writes',
    setup: QTY_ROWS,
    rows: 200,
    migration: defineMigration({ name: 'orders_full', operations: [op.setReplicaIdentity({ table: 'orders', identity: 'full' })] }),
    old: { table: 'orders', column: 'qty' },
    next: { table: 'orders', column: 'qty' },
    value: (i) => String(i + 1),
  };
  const identity = async (db: pg.Client) =>
    (await db.query<{ r: string }>(`SELECT relreplident AS r FROM pg_class WHERE oid = 'public.orders'::regclass`)).rows[0]?.r;

  it('setReplicaIdentity: complete', () => runUnderWrites(full, 'complete', async (db) => {
    expect(await identity(db)).toBe('f');
  }));

  it('setReplicaIdentity: rollback', () => runUnderWrites(full, 'rollback', async (db) => {
    expect(await identity(db)).toBe('d');
  }));
});
