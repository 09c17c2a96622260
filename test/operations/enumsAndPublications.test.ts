import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { columnsOf, describeOperationCases, type OperationCase } from '../support/operationCase.js';
import { runUnderWrites, type UnderWritesCase } from '../support/underWrites.js';

const CASES: OperationCase[] = [
  {
    title: 'an enum array column changed to text[], then dropEnum of the enum in the same migration',
    setup: `CREATE TYPE mood AS ENUM ('low', 'high');
CREATE TABLE tickets (id serial PRIMARY KEY, tags mood[]);
INSERT INTO tickets (tags) VALUES ('{low}'), ('{low,high}');`,
    migration: defineMigration({
      name: 'tags_text',
      operations: [
        op.alterColumn({ table: 'tickets', column: 'tags', type: 'text[]', up: 'tags::text[]', down: 'tags::mood[]' }),
        op.dropEnum({ name: 'mood' }),
      ],
    }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO tickets (tags) VALUES ('{high}')`);
      await next.query(`UPDATE tickets SET tags = '{high,low}' WHERE id = 1`);
      expect(await next.query(`SELECT id, tags::text AS tags FROM tickets WHERE id IN (1, 3) ORDER BY id`)).toEqual([{ id: 1, tags: '{high,low}' }, { id: 3, tags: '{high}' }]);
      expect(await old.query(`SELECT id, tags::text AS tags FROM tickets WHERE id = 1`)).toEqual([{ id: 1, tags: '{high,low}' }]);
    },
    async completed({ next }) {
      expect(await columnsOf(next, 'tickets')).toEqual([`id integer NOT NULL DEFAULT nextval('tickets_id_seq'::regclass)`, 'tags text[]']);
      expect(await next.query(`SELECT to_regtype('public.mood') AS type`)).toEqual([{ type: null }]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT id, tags::text AS tags FROM tickets ORDER BY id`)).toEqual([
        { id: 1, tags: '{high,low}' }, { id: 2, tags: '{low,high}' }, { id: 3, tags: '{high}' },
      ]);
    },
  },
];

describeOperationCases('enums_and_publications', CASES);

describe('postgres: a text column changed to an enum with an up that maps every text, under writes', () => {
  const rows = 200;
  const LABELS = ['open', 'closed', 'other'];
  const toState = (end: 'complete' | 'rollback'): UnderWritesCase => ({
    label: `text_state_${end}`,
    setup: `CREATE TABLE tickets (id integer PRIMARY KEY, status text);
INSERT INTO tickets SELECT i, 'open' FROM generate_series(1, ${rows}) i;`,
    rows,
    migration: defineMigration({
      name: 'to_state',
      operations: [
        op.createEnum({ name: 'state', values: LABELS }),
        op.alterColumn({ table: 'tickets', column: 'status', type: 'state', up: `CASE WHEN status IN ('open', 'closed') THEN status ELSE 'other' END::state` }),
      ],
    }),
    old: { table: 'tickets', column: 'status' },
    next: { table: 'tickets', column: 'status' },
    // The old release writes any text, a label now and then; the new release only labels.
    value: (i, release) => (release === 'new' ? LABELS[i % 3]! : i % 2 ? `text ${i}` : 'closed'),
    expected: (written, release) => (end === 'complete' && release === 'old' && written !== 'closed' ? 'other' : written),
  });

  it('complete: every write of the old release landed, mapped by up', () => runUnderWrites(toState('complete'), 'complete'));

  it('rollback: every write of either release is in the old column', () => runUnderWrites(toState('rollback'), 'rollback'));
});

describe('postgres: setReplicaIdentity using an index the migration builds, on a published table, under writes', () => {
  const published: UnderWritesCase = {
    label: 'published_identity',
    setup: `CREATE TABLE orders (id integer PRIMARY KEY, ref text NOT NULL, qty integer);
INSERT INTO orders SELECT i, 'r' || i, i FROM generate_series(1, 200) i;
CREATE PUBLICATION orders_pub FOR TABLE orders;`,
    rows: 200,
    migration: defineMigration({
      name: 'orders_by_ref',
      operations: [
        op.createIndex({ table: 'orders', columns: ['ref'], name: 'orders_ref_key', unique: true }),
        op.setReplicaIdentity({ table: 'orders', identity: { index: 'orders_ref_key' } }),
      ],
    }),
    old: { table: 'orders', column: 'qty' },
    next: { table: 'orders', column: 'qty' },
    insertExtra: () => ({ ref: 'gen_random_uuid()::text' }),
  };
  const identity = async (db: pg.Client) =>
    (await db.query(`SELECT relreplident AS r, (SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = c.oid AND indisreplident) AS index FROM pg_class c WHERE oid = 'public.orders'::regclass`)).rows[0];

  it('complete: the built index is the identity', () => runUnderWrites(published, 'complete', async (db) => {
    expect(await identity(db)).toEqual({ r: 'i', index: 'orders_ref_key' });
  }));

  // The old release's UPDATEs go on through rollback: a published table whose identity index is
  // gone would refuse them ("does not have a replica identity and publishes updates").
  it('rollback: the identity is back before its index goes, and every UPDATE of the old release is acknowledged', () => runUnderWrites(published, 'rollback', async (db) => {
    expect(await identity(db)).toEqual({ r: 'd', index: null });
    expect((await db.query(`SELECT to_regclass('public.orders_ref_key') AS index`)).rows).toEqual([{ index: null }]);
  }));
});
