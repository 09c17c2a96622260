import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { defineMigration, op } from '../../src/index.js';
import { constraintsOf, describeOperationCases, type OperationCase } from '../support/operationCase.js';
import { runUnderWrites, type UnderWritesCase } from '../support/underWrites.js';

const REGIONS_AND_SHOPS = `CREATE TABLE regions (code text, id integer, PRIMARY KEY (code, id));
INSERT INTO regions VALUES ('eu', 1), ('eu', 2), ('us', 1);
CREATE TABLE users (id integer PRIMARY KEY);
INSERT INTO users VALUES (1), (2), (3), (4);
CREATE TABLE shops (id serial PRIMARY KEY, region text, region_id integer, owner integer, name text NOT NULL);
INSERT INTO shops (region, region_id, owner, name) VALUES ('eu', 1, 1, 'a'), ('us', 1, 2, 'b'), (NULL, NULL, NULL, 'c');`;

const SHOP_KEY = 'shops_pkey PRIMARY KEY (id)';
const FULL_OPTIONS = 'MATCH FULL ON UPDATE CASCADE ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED';

const CASES: OperationCase[] = [
  {
    title: 'addConstraint foreignKey: MATCH FULL, ON UPDATE CASCADE, ON DELETE SET NULL, DEFERRABLE INITIALLY DEFERRED',
    setup: REGIONS_AND_SHOPS,
    migration: defineMigration({
      name: 'shops_region',
      operations: [
        op.addConstraint({
          table: 'shops', name: 'shops_region',
          foreignKey: {
            columns: ['region', 'region_id'], references: { table: 'regions', columns: ['code', 'id'] },
            match: 'FULL', onUpdate: 'CASCADE', onDelete: 'SET NULL', deferrable: true, initiallyDeferred: true,
          },
        }),
      ],
    }),
    async expanded({ old, next }) {
      // MATCH FULL: a key that is partly NULL is refused (at commit: the check is deferred).
      await expect(old.query(`INSERT INTO shops (region, name) VALUES ('eu', 'x')`)).rejects.toThrow(/shops_region/);
      await expect(next.query(`INSERT INTO shops (region, region_id, name) VALUES ('us', 9, 'x')`)).rejects.toThrow(/shops_region/);
      await next.query(`INSERT INTO shops (region, region_id, name) VALUES ('eu', 2, 'd')`);
      await old.query(`UPDATE regions SET id = 5 WHERE code = 'eu' AND id = 1`);
      await next.query(`DELETE FROM regions WHERE code = 'us'`);
      expect(await old.query(`SELECT name, region, region_id FROM shops ORDER BY name`)).toEqual([
        { name: 'a', region: 'eu', region_id: 5 }, { name: 'b', region: null, region_id: null }, { name: 'c', region: null, region_id: null }, { name: 'd', region: 'eu', region_id: 2 },
      ]);
    },
    async completed({ old, next }) {
      expect(await constraintsOf(old, 'shops')).toEqual([SHOP_KEY, `shops_region FOREIGN KEY (region, region_id) REFERENCES regions(code, id) ${FULL_OPTIONS}`]);
      await expect(next.query(`UPDATE shops SET region_id = NULL WHERE name = 'a'`)).rejects.toThrow(/shops_region/);
      await next.query(`UPDATE regions SET id = 6 WHERE code = 'eu' AND id = 5`);
      expect(await old.query(`SELECT region_id FROM shops WHERE name = 'a'`)).toEqual([{ region_id: 6 }]);
    },
    async rolledBack(old) {
      expect(await constraintsOf(old, 'shops')).toEqual([SHOP_KEY]);
      await old.query(`INSERT INTO shops (region, name) VALUES ('eu', 'x')`);
      expect(await old.query(`SELECT name, region, region_id FROM shops WHERE name IN ('b', 'd', 'x') ORDER BY name`)).toEqual([
        { name: 'b', region: null, region_id: null }, { name: 'd', region: 'eu', region_id: 2 }, { name: 'x', region: 'eu', region_id: null },
      ]);
    },
  },
  {
    title: 'foreign-key options on addColumn, alterColumn and createTable references',
    setup: REGIONS_AND_SHOPS,
    migration: defineMigration({
      name: 'shop_keys',
      operations: [
        op.addColumn({
          table: 'shops',
          column: { name: 'manager', type: 'integer', references: { table: 'users', column: 'id', name: 'shops_manager', onDelete: 'SET NULL', onUpdate: 'CASCADE', deferrable: true } },
        }),
        op.alterColumn({ table: 'shops', column: 'owner', references: { table: 'users', column: 'id', onDelete: 'RESTRICT', match: 'FULL', initiallyDeferred: true } }),
        op.createTable({
          name: 'visits',
          columns: [
            { name: 'id', type: 'integer' },
            { name: 'shop_id', type: 'integer', nullable: false, references: { table: 'shops', column: 'id', onDelete: 'CASCADE', onUpdate: 'NO ACTION', deferrable: true, initiallyDeferred: false } },
          ],
          primaryKey: ['id'],
        }),
      ],
    }),
    async expanded({ old, next }) {
      await next.query(`INSERT INTO shops (name, manager, owner) VALUES ('d', 3, 3)`);
      await expect(next.query(`INSERT INTO shops (name, manager) VALUES ('x', 9)`)).rejects.toThrow(/shops_manager/);
      await expect(next.query(`INSERT INTO shops (name, owner) VALUES ('x', 9)`)).rejects.toThrow(/shops_owner_fkey/);
      await next.query(`INSERT INTO visits VALUES (1, 1), (2, 4)`);
      // The owner's key (NO ACTION on update, initially deferred) holds for old-release writes too.
      await expect(old.query(`UPDATE users SET id = 30 WHERE id = 3`)).rejects.toThrow(/shops_owner_fkey/);
      expect(await next.query(`SELECT id, manager, owner FROM shops WHERE id = 4`)).toEqual([{ id: 4, manager: 3, owner: 3 }]);
    },
    async completed({ old, next }) {
      expect(await constraintsOf(old, 'shops')).toEqual([
        'shops_manager FOREIGN KEY (manager) REFERENCES users(id) ON UPDATE CASCADE ON DELETE SET NULL DEFERRABLE',
        'shops_owner_fkey FOREIGN KEY (owner) REFERENCES users(id) MATCH FULL ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED',
        SHOP_KEY,
      ]);
      expect(await constraintsOf(old, 'visits')).toEqual(['visits_pkey PRIMARY KEY (id)', 'visits_shop_id_fkey FOREIGN KEY (shop_id) REFERENCES shops(id) ON DELETE CASCADE DEFERRABLE']);
      await next.query(`UPDATE shops SET manager = 4 WHERE id = 1`);
      await next.query(`UPDATE users SET id = 40 WHERE id = 4`);
      expect(await old.query(`SELECT id, manager FROM shops WHERE manager IS NOT NULL ORDER BY id`)).toEqual([{ id: 1, manager: 40 }, { id: 4, manager: 3 }]);
      await next.query(`DELETE FROM users WHERE id = 40`);
      expect(await old.query(`SELECT id, manager FROM shops WHERE id = 1`)).toEqual([{ id: 1, manager: null }]);
      await next.query(`DELETE FROM shops WHERE id = 1`);
      expect(await old.query(`SELECT id, shop_id FROM visits`)).toEqual([{ id: 2, shop_id: 4 }]);
    },
    async rolledBack(old) {
      expect(await constraintsOf(old, 'shops')).toEqual([SHOP_KEY]);
      expect(await old.query(`SELECT id, owner FROM shops ORDER BY id`)).toEqual([{ id: 1, owner: 1 }, { id: 2, owner: 2 }, { id: 3, owner: null }, { id: 4, owner: 3 }]);
    },
    droppedRows: { visits: 2 },
  },
  {
    title: 'alterColumn type change carries a foreign key over with MATCH FULL, ON UPDATE CASCADE and DEFERRABLE INITIALLY DEFERRED',
    setup: `${REGIONS_AND_SHOPS}
      ALTER TABLE shops ADD CONSTRAINT shops_region_fk FOREIGN KEY (region, region_id) REFERENCES regions (code, id) ${FULL_OPTIONS};`,
    migration: defineMigration({
      name: 'region_id_bigint',
      operations: [op.alterColumn({ table: 'shops', column: 'region_id', type: 'bigint', up: 'region_id::bigint', down: 'region_id::integer' })],
    }),
    async expanded({ old, next }) {
      await expect(next.query(`INSERT INTO shops (region, name) VALUES ('eu', 'x')`)).rejects.toThrow(/foreign key constraint/);
      await expect(old.query(`INSERT INTO shops (region, name) VALUES ('eu', 'x')`)).rejects.toThrow(/shops_region_fk/);
      await next.query(`INSERT INTO shops (region, region_id, name) VALUES ('eu', 2, 'd')`);
      // ON UPDATE CASCADE reaches both the old column and its copy.
      await old.query(`UPDATE regions SET id = 5 WHERE code = 'eu' AND id = 1`);
      expect(await next.query(`SELECT name, region_id::integer AS region_id FROM shops WHERE name IN ('a', 'd') ORDER BY name`)).toEqual([{ name: 'a', region_id: 5 }, { name: 'd', region_id: 2 }]);
      expect(await old.query(`SELECT name, region_id FROM shops WHERE region_id IS NOT NULL ORDER BY name`)).toEqual([{ name: 'a', region_id: 5 }, { name: 'b', region_id: 1 }, { name: 'd', region_id: 2 }]);
    },
    async completed({ old }) {
      expect(await constraintsOf(old, 'shops')).toEqual([SHOP_KEY, `shops_region_fk FOREIGN KEY (region, region_id) REFERENCES regions(code, id) ${FULL_OPTIONS}`]);
      await old.query(`DELETE FROM regions WHERE code = 'us'`);
      expect(await old.query(`SELECT name, region, region_id::integer AS region_id FROM shops ORDER BY name`)).toEqual([
        { name: 'a', region: 'eu', region_id: 5 }, { name: 'b', region: null, region_id: null }, { name: 'c', region: null, region_id: null }, { name: 'd', region: 'eu', region_id: 2 },
      ]);
    },
    async rolledBack(old) {
      expect(await constraintsOf(old, 'shops')).toEqual([SHOP_KEY, `shops_region_fk FOREIGN KEY (region, region_id) REFERENCES regions(code, id) ${FULL_OPTIONS}`]);
      expect(await old.query(`SELECT name, region_id FROM shops ORDER BY name`)).toEqual([
        { name: 'a', region_id: 5 }, { name: 'b', region_id: 1 }, { name: 'c', region_id: null }, { name: 'd', region_id: 2 },
      ]);
    },
  },
];

describeOperationCases('foreign_key_options', CASES);

const PARENTS_AND_ITEMS = `CREATE TABLE parents (id integer PRIMARY KEY);
INSERT INTO parents SELECT generate_series(1, 10);
CREATE TABLE items (id integer PRIMARY KEY, parent integer NOT NULL);
INSERT INTO items SELECT g, g % 10 + 1 FROM generate_series(1, 200) g;`;

const DEFERRED = 'FOREIGN KEY (parent) REFERENCES parents(id) ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED';

/** Both releases write parents 1..10 only: every write satisfies the foreign key. */
const parentOf = (i: number) => String((i % 10) + 1);

/** Within a transaction the deferred key allows a missing parent until COMMIT, which checks it. */
async function expectDeferred(db: pg.Client, constraint: string): Promise<void> {
  await db.query('BEGIN');
  await db.query(`INSERT INTO items (id, parent) VALUES (5000, 11)`);
  await db.query(`INSERT INTO parents VALUES (11)`);
  await db.query('COMMIT');
  await db.query('BEGIN');
  await db.query(`INSERT INTO items (id, parent) VALUES (5001, 12)`);
  await expect(db.query('COMMIT')).rejects.toThrow(new RegExp(`violates foreign key constraint "${constraint}"`));
  expect((await db.query(`SELECT id FROM items WHERE id IN (5000, 5001) ORDER BY id`)).rows).toEqual([{ id: 5000 }]);
}

const constraintsIn = async (db: pg.Client, table: string) =>
  (await db.query<{ c: string }>(`SELECT conname || ' ' || pg_get_constraintdef(oid) AS c FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'`, [table])).rows.map((r) => r.c);

describe('postgres: foreign-key options under writes from both releases', () => {
  const added: UnderWritesCase = {
    label: 'fk_options_added',
    setup: PARENTS_AND_ITEMS,
    rows: 200,
    migration: defineMigration({
      name: 'items_parent_fk',
      operations: [
        op.addConstraint({
          table: 'items', name: 'items_parent',
          foreignKey: { columns: ['parent'], references: { table: 'parents', columns: ['id'] }, onUpdate: 'CASCADE', deferrable: true, initiallyDeferred: true },
        }),
      ],
    }),
    old: { table: 'items', column: 'parent' },
    next: { table: 'items', column: 'parent' },
    value: parentOf,
  };

  it('addConstraint foreignKey with options: complete keeps every write, and the key is deferred', () =>
    runUnderWrites(added, 'complete', async (db) => {
      expect(await constraintsIn(db, 'items')).toEqual([`items_parent ${DEFERRED}`]);
      await expectDeferred(db, 'items_parent');
    }));

  it('addConstraint foreignKey with options: rollback keeps every write and leaves no key', () =>
    runUnderWrites(added, 'rollback', async (db) => {
      expect(await constraintsIn(db, 'items')).toEqual([]);
    }));

  const carried: UnderWritesCase = {
    label: 'fk_options_carried',
    setup: `${PARENTS_AND_ITEMS}
      ALTER TABLE items ADD CONSTRAINT items_parent ${DEFERRED};`,
    rows: 200,
    migration: defineMigration({
      name: 'items_parent_bigint',
      operations: [op.alterColumn({ table: 'items', column: 'parent', type: 'bigint', up: 'parent::bigint', down: 'parent::integer' })],
    }),
    old: { table: 'items', column: 'parent' },
    next: { table: 'items', column: 'parent' },
    value: parentOf,
  };

  it('alterColumn type change: the carried-over deferrable key survives complete exactly, every write kept', () =>
    runUnderWrites(carried, 'complete', async (db) => {
      expect(await constraintsIn(db, 'items')).toEqual([`items_parent ${DEFERRED}`]);
      await expectDeferred(db, 'items_parent');
    }));

  it('alterColumn type change: rollback keeps every write and the original key', () =>
    runUnderWrites(carried, 'rollback', async (db) => {
      expect(await constraintsIn(db, 'items')).toEqual([`items_parent ${DEFERRED}`]);
      await expectDeferred(db, 'items_parent');
    }));
});
