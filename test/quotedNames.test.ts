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
    title: 'constraints named with quotes and spaces keep their names through complete',
    setup: ITEMS,
    migration: defineMigration({
      name: 'quoted_constraint_names',
      operations: [
        op.alterColumn({ table: 'It"ems', column: 'Mixed Case', unique: { name: 'u"nique key' } }),
        op.addColumn({
          table: 'It"ems',
          column: { name: 'sc"ore', type: 'integer', check: { expression: '"sc""ore" >= 0', name: 'ch"eck score' }, references: { table: 'It"ems', column: 'id', name: 'f"k self', deferrable: true } },
        }),
        op.createTable({
          name: 'Ta"gs',
          columns: [{ name: 'i"d', type: 'integer' }, { name: 'item', type: 'integer' }],
          primaryKey: { columns: ['i"d'], name: 'p"k tags' },
          constraints: [{ name: 'f"k item', foreignKey: { columns: ['item'], references: { table: 'It"ems', columns: ['id'] }, match: 'FULL' } }],
        }),
      ],
    }),
    async expanded({ old, next }) {
      await next.query(`INSERT INTO "It""ems" ("we""ird", "Mixed Case") VALUES ('3', 'z')`);
      await expect(next.query(`INSERT INTO "It""ems" ("we""ird", "Mixed Case") VALUES ('4', 'z')`)).rejects.toThrow(/u"nique key/);
      await expect(next.query(`INSERT INTO "It""ems" ("we""ird", "sc""ore") VALUES ('3', -1)`)).rejects.toThrow(/ch"eck score/);
      await expect(next.query(`INSERT INTO "Ta""gs" VALUES (1, 99)`)).rejects.toThrow(/f"k item/);
      await next.query(`INSERT INTO "Ta""gs" VALUES (1, 1)`);
      await old.query(`INSERT INTO "It""ems" ("we""ird", "Mixed Case") VALUES ('3', 'c')`);
    },
    async completed({ old }) {
      expect(await old.query(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid IN ('"It""ems"'::regclass, '"Ta""gs"'::regclass) AND contype <> 'n' ORDER BY conname`)).toEqual([
        { conname: 'It"ems_pkey', def: 'PRIMARY KEY (id)' },
        { conname: 'ch"eck score', def: 'CHECK (("sc""ore" >= 0))' },
        { conname: 'f"k item', def: 'FOREIGN KEY (item) REFERENCES "It""ems"(id) MATCH FULL' },
        { conname: 'f"k self', def: 'FOREIGN KEY ("sc""ore") REFERENCES "It""ems"(id) DEFERRABLE' },
        { conname: 'p"k tags', def: 'PRIMARY KEY ("i""d")' },
        { conname: 'u"nique key', def: 'UNIQUE ("Mixed Case")' },
      ]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT conname FROM pg_constraint WHERE conrelid = '"It""ems"'::regclass AND contype <> 'n' ORDER BY conname`)).toEqual([{ conname: 'It"ems_pkey' }]);
    },
    droppedRows: { 'Ta"gs': 1 },
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
        op.alterColumn({ table: 'It"ems', column: 'Mixed Case', type: '"Mo""od"', up: `CASE WHEN "Mixed Case" IN ('a', 'b', 'it''s') THEN "Mixed Case" ELSE 'a' END::"Mo""od"` }),
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
  {
    title: 'an index with a quoted expression, collation and INCLUDE column, and a unique constraint u"niq with INCLUDE',
    setup: ITEMS,
    migration: defineMigration({
      name: 'weird_include',
      operations: [
        op.createIndex({ table: 'It"ems', name: 'ix"one', columns: [{ expression: 'lower("Mixed Case")' }, { column: 'we"ird', collation: 'C', order: 'desc' }], include: ['id'] }),
        op.addConstraint({ table: 'It"ems', name: 'u"niq', unique: ['Mixed Case'], include: ['we"ird'] }),
      ],
    }),
    async expanded({ old, next }) {
      await expect(next.query(`INSERT INTO "It""ems" ("we""ird", "Mixed Case") VALUES ('3', 'a')`)).rejects.toThrow(/u"niq/);
      await old.query(`INSERT INTO "It""ems" ("we""ird", "Mixed Case") VALUES ('3', 'c')`);
      expect(await old.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'ix"one'`)).toEqual([
        { indexdef: `CREATE INDEX "ix""one" ON public."It""ems" USING btree (lower("Mixed Case"), "we""ird" COLLATE "C" DESC) INCLUDE (id)` },
      ]);
    },
    async completed({ old, next }) {
      await expect(next.query(`INSERT INTO "It""ems" ("we""ird", "Mixed Case") VALUES ('4', 'c')`)).rejects.toThrow(/u"niq/);
      expect(await old.query(`SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE conname = 'u"niq'`)).toEqual([{ d: `UNIQUE ("Mixed Case") INCLUDE ("we""ird")` }]);
    },
    async rolledBack(old) {
      expect(await old.query(`SELECT count(*)::int AS n FROM pg_class WHERE relname IN ('ix"one', 'u"niq')`)).toEqual([{ n: 0 }]);
      expect(await old.query(`SELECT count(*)::int AS n FROM "It""ems"`)).toEqual([{ n: 3 }]);
    },
  },
  {
    title: 'a serial column whose name and table name hold a quote and a percent sign becomes an identity column; comments with both',
    setup: `CREATE TABLE "Per%cent 'q""t" (id integer PRIMARY KEY, "n%s'x" serial, note text);
      CREATE INDEX "n%s'x idx" ON "Per%cent 'q""t" ("n%s'x");
      INSERT INTO "Per%cent 'q""t" (id, note) VALUES (1, 'a'), (2, 'b');
      COMMENT ON COLUMN "Per%cent 'q""t".note IS 'old''s';`,
    migration: defineMigration({
      name: 'weird_identity',
      operations: [
        op.alterColumn({ table: `Per%cent 'q"t`, column: `n%s'x`, identity: 'always' }),
        op.setComment({ table: `Per%cent 'q"t`, comment: `it's 100%s` }),
        op.alterColumn({ table: `Per%cent 'q"t`, column: 'note', comment: null }),
      ],
    }),
    async expanded({ old, next }) {
      expect(await old.query(`INSERT INTO "Per%cent 'q""t" (id) VALUES (3) RETURNING "n%s'x" AS n`)).toEqual([{ n: 3 }]);
      expect(await next.query(`INSERT INTO "Per%cent 'q""t" (id) VALUES (4) RETURNING "n%s'x" AS n`)).toEqual([{ n: 4 }]);
    },
    async completed({ old }) {
      expect(await old.query(
        `SELECT a.attidentity::text AS identity, pg_get_serial_sequence(quote_ident($1), $2) AS seq, obj_description(a.attrelid, 'pg_class') AS comment,
                col_description(a.attrelid, 3) AS note
           FROM pg_attribute a WHERE a.attrelid = to_regclass(quote_ident($1)) AND a.attname = $2`,
        [`Per%cent 'q"t`, `n%s'x`],
      )).toEqual([{ identity: 'a', seq: `public."Per%cent 'q""t_n%s'x_seq"`, comment: `it's 100%s`, note: null }]);
    },
    async rolledBack(old) {
      expect(await old.query(
        `SELECT pg_get_expr(d.adbin, d.adrelid) AS default, obj_description(a.attrelid, 'pg_class') AS comment, col_description(a.attrelid, 3) AS note
           FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum WHERE a.attrelid = to_regclass(quote_ident($1)) AND a.attname = $2`,
        [`Per%cent 'q"t`, `n%s'x`],
      )).toEqual([{ default: `nextval('"Per%cent ''q""t_n%s''x_seq"'::regclass)`, comment: null, note: `old's` }]);
      expect(await old.query(`INSERT INTO "Per%cent 'q""t" (id) VALUES (5) RETURNING "n%s'x" AS n`)).toEqual([{ n: 5 }]);
    },
  },
];

describeOperationCases('quoted_names', CASES);
