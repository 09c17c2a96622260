import { expect } from 'vitest';
import { defineMigration, op } from '../src/index.js';
import { constraintsOf, describeOperationCases, type OperationCase } from './support/operationCase.js';

/** Names that need quoting, a double quote among them: every statement Midair writes quotes them. */
const ITEMS = `CREATE TABLE "It""ems" (id serial PRIMARY KEY, "we""ird" text NOT NULL, "Mixed Case" text);
  INSERT INTO "It""ems" ("we""ird", "Mixed Case") VALUES ('1', 'a'), ('2', 'b');`;

const CASES: OperationCase[] = [
  {
    title: 'a column named we"ird changes type, another column is derived from it, both shapes write',
    setup: ITEMS,
    migration: defineMigration({
      name: 'weird_names',
      operations: [
        op.alterColumn({ table: 'It"ems', column: 'we"ird', name: 'str"ange', type: 'integer', up: `"we""ird"::integer`, down: `"str""ange"::text` }),
        op.addColumn({ table: 'It"ems', column: { name: 'co"py', type: 'text' }, up: `"we""ird" || "Mixed Case"` }),
      ],
    }),
    async expanded({ old, next }) {
      await old.query(`INSERT INTO "It""ems" ("we""ird", "Mixed Case") VALUES ('3', 'c')`);
      await old.query(`UPDATE "It""ems" SET "we""ird" = '10' WHERE id = 1`);
      await next.query(`INSERT INTO "It""ems" ("str""ange", "Mixed Case", "co""py") VALUES (4, 'd', 'new')`);
      await next.query(`UPDATE "It""ems" SET "str""ange" = 20 WHERE id = 2`);
      expect(await next.query(`SELECT id, "str""ange", "co""py" FROM "It""ems" WHERE id <> 2 ORDER BY id`)).toEqual([
        { id: 1, 'str"ange': 10, 'co"py': '10a' }, { id: 3, 'str"ange': 3, 'co"py': '3c' }, { id: 4, 'str"ange': 4, 'co"py': 'new' },
      ]);
      expect(await old.query(`SELECT id, "we""ird" FROM "It""ems" ORDER BY id`)).toEqual([
        { id: 1, 'we"ird': '10' }, { id: 2, 'we"ird': '20' }, { id: 3, 'we"ird': '3' }, { id: 4, 'we"ird': '4' },
      ]);
    },
    async completed({ next }) {
      expect(await next.query(`SELECT id, "str""ange", "co""py" FROM "It""ems" ORDER BY id`)).toEqual([
        { id: 1, 'str"ange': 10, 'co"py': '10a' }, { id: 2, 'str"ange': 20, 'co"py': '2b' }, { id: 3, 'str"ange': 3, 'co"py': '3c' }, { id: 4, 'str"ange': 4, 'co"py': 'new' },
      ]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT id, "we""ird" FROM "It""ems" ORDER BY id`)).toEqual([
        { id: 1, 'we"ird': '10' }, { id: 2, 'we"ird': '20' }, { id: 3, 'we"ird': '3' }, { id: 4, 'we"ird': '4' },
      ]);
    },
  },
  {
    title: 'an index named i"dx is dropped and a constraint named ch"eck renamed at complete',
    setup: `${ITEMS}
      CREATE INDEX "i""dx" ON "It""ems" ("Mixed Case");
      ALTER TABLE "It""ems" ADD CONSTRAINT "ch""eck" CHECK ("we""ird" <> '');`,
    migration: defineMigration({
      name: 'weird_index',
      operations: [
        op.dropIndex({ table: 'It"ems', name: 'i"dx' }),
        op.renameConstraint({ table: 'It"ems', from: 'ch"eck', to: 'n"on empty' }),
      ],
    }),
    async expanded({ old, next }) {
      await expect(next.query(`INSERT INTO "It""ems" ("we""ird") VALUES ('')`)).rejects.toThrow(/ch"eck/);
      expect(await old.query(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'i"dx'`)).toEqual([{ n: 1 }]);
    },
    async completed({ old, next }) {
      await expect(next.query(`INSERT INTO "It""ems" ("we""ird") VALUES ('')`)).rejects.toThrow(/n"on empty/);
      expect(await old.query(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'i"dx'`)).toEqual([{ n: 0 }]);
    },
    async rolledBack(old) {
      await expect(old.query(`INSERT INTO "It""ems" ("we""ird") VALUES ('')`)).rejects.toThrow(/ch"eck/);
      expect(await old.query(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'i"dx'`)).toEqual([{ n: 1 }]);
    },
  },
  {
    title: 'a constraint named ch"eck is dropped with column and down, and the replica identity set to an index named k"ey',
    setup: `${ITEMS}
      ALTER TABLE "It""ems" ADD CONSTRAINT "ch""eck" CHECK ("we""ird" <> '');
      CREATE UNIQUE INDEX "k""ey" ON "It""ems" (id);`,
    migration: defineMigration({
      name: 'weird_drop',
      operations: [
        op.dropConstraint({ table: 'It"ems', name: 'ch"eck', column: 'we"ird', down: `coalesce(nullif("we""ird", ''), '-')` }),
        op.setReplicaIdentity({ table: 'It"ems', identity: { index: 'k"ey' } }),
      ],
    }),
    async expanded({ old, next }) {
      await next.query(`INSERT INTO "It""ems" ("we""ird") VALUES ('')`);
      await expect(old.query(`INSERT INTO "It""ems" ("we""ird") VALUES ('')`)).rejects.toThrow(/ch"eck/);
      expect(await old.query(`SELECT "we""ird" FROM "It""ems" WHERE id = 3`)).toEqual([{ 'we"ird': '-' }]);
      expect(await old.query(`SELECT indexrelid::regclass::text AS i FROM pg_index WHERE indisreplident`)).toEqual([{ i: '"k""ey"' }]);
    },
    async completed({ next }) {
      await next.query(`INSERT INTO "It""ems" ("we""ird") VALUES ('')`);
      expect(await next.query(`SELECT id, "we""ird" FROM "It""ems" WHERE id > 2 ORDER BY id`)).toEqual([{ id: 3, 'we"ird': '' }, { id: 5, 'we"ird': '' }]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT id, "we""ird" FROM "It""ems" WHERE id > 2 ORDER BY id`)).toEqual([{ id: 3, 'we"ird': '-' }]);
    },
  },
  {
    title: 'an enum named Mo"od with a label it\'s, created and given to the column "Mixed Case" (text)',
    setup: ITEMS,
    migration: defineMigration({
      name: 'weird_enum',
      operations: [
        op.createEnum({ name: 'Mo"od', values: ['a', 'b', "it's"] }),
        op.alterColumn({ table: 'It"ems', column: 'Mixed Case', type: '"Mo""od"' }),
      ],
    }),
    async expanded({ old, next }) {
      await old.query(`UPDATE "It""ems" SET "Mixed Case" = 'it''s' WHERE id = 1`);
      await next.query(`UPDATE "It""ems" SET "Mixed Case" = 'it''s' WHERE id = 2`);
      expect(await next.query(`SELECT id, "Mixed Case" AS m, pg_typeof("Mixed Case")::text AS t FROM "It""ems" ORDER BY id`)).toEqual([
        { id: 1, m: "it's", t: '"Mo""od"' }, { id: 2, m: "it's", t: '"Mo""od"' },
      ]);
      expect(await old.query(`SELECT id, "Mixed Case" AS m FROM "It""ems" ORDER BY id`)).toEqual([{ id: 1, m: "it's" }, { id: 2, m: "it's" }]);
    },
    async completed({ old }) {
      expect(await old.query(`SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = '"It""ems"'::regclass AND attname = 'Mixed Case'`)).toEqual([{ t: '"Mo""od"' }]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT id, "Mixed Case" AS m FROM "It""ems" ORDER BY id`)).toEqual([{ id: 1, m: "it's" }, { id: 2, m: "it's" }]);
    },
  },
  {
    title: 'the primary key becomes ("Mixed Case", id) under the name p"k, the quoted column made NOT NULL online',
    setup: ITEMS,
    migration: defineMigration({ name: 'weird_key', operations: [op.setPrimaryKey({ table: 'It"ems', columns: ['Mixed Case', 'id'], name: 'p"k' })] }),
    async expanded({ old, next }) {
      await expect(old.query(`INSERT INTO "It""ems" ("we""ird") VALUES ('x')`)).rejects.toThrow(/Mixed Case_not_null_check/);
      await next.query(`INSERT INTO "It""ems" ("we""ird", "Mixed Case") VALUES ('3', 'c')`);
      expect(await old.query(`SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'p"k'`)).toEqual([{ n: 1 }]);
    },
    async completed({ old }) {
      expect(await constraintsOf(old, '"It""ems"')).toEqual(['p"k PRIMARY KEY ("Mixed Case", id)']);
      expect(await old.query(`SELECT count(*)::int AS n FROM "It""ems"`)).toEqual([{ n: 3 }]);
    },
    async rolledBack(old) {
      expect(await constraintsOf(old, '"It""ems"')).toEqual(['It"ems_pkey PRIMARY KEY (id)']);
      await old.query(`INSERT INTO "It""ems" ("we""ird") VALUES ('x')`);
    },
  },
];

describeOperationCases('quoted_names', CASES);
