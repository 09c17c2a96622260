import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Migration } from '../../src/migration/types.js';
import { DRIVERS, openTarget, type Shape, type Target } from './targets.js';

/** The two releases of an application while a migration is expanded. */
export interface Shapes {
  /** Old release: the plain tables. */
  old: Shape;
  /** New release: search_path set to the migration's version schema. */
  next: Shape;
}

/** One operation driven through its whole life cycle, with what each shape must see. */
export interface OperationCase {
  title: string;
  /** Tables and rows before the migration (the old shape). */
  setup: string;
  migration: Migration;
  /** Reads and writes through both shapes after start, asserting each sees the other's writes. */
  expanded(shapes: Shapes): Promise<void>;
  /** After backfill, verify and complete: the final tables hold every row, the new shape still serves. */
  completed(shapes: Shapes): Promise<void>;
  /** After rollback: every row written through either shape is in the old shape. */
  rolledBack(old: Shape): Promise<void>;
  /** Rows rollback drops with tables the migration created. */
  droppedRows?: Record<string, number>;
}

/** "name type[ NOT NULL][ DEFAULT x]" for each column of a table in public, in order. */
export async function columnsOf(shape: Shape, table: string): Promise<string[]> {
  const rows = await shape.query<{ c: string }>(
    `SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
            || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') AS c
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [`public.${table}`],
  );
  return rows.map((r) => r.c);
}

/** "name definition" of each constraint of a table in public, sorted. */
export async function constraintsOf(shape: Shape, table: string): Promise<string[]> {
  const rows = await shape.query<{ c: string }>(
    `SELECT conname || ' ' || pg_get_constraintdef(oid) AS c FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype <> 'n' ORDER BY conname`,
    [`public.${table}`],
  );
  return rows.map((r) => r.c);
}

/** Whether a table of that name exists in public. */
export async function tableExists(shape: Shape, table: string): Promise<boolean> {
  return (await shape.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [`public.${table}`]))[0]?.t !== null;
}

/** Index definitions of a table in public, sorted. */
export async function indexesOf(shape: Shape, table: string): Promise<string[]> {
  const rows = await shape.query<{ d: string }>(
    `SELECT pg_get_indexdef(indexrelid) || CASE WHEN indisvalid THEN '' ELSE ' INVALID' END AS d FROM pg_index WHERE indrelid = to_regclass($1) ORDER BY 1`,
    [`public.${table}`],
  );
  return rows.map((r) => r.d);
}

/** Nothing of the sync machinery is left: no marker or temporary columns, triggers or functions. */
async function expectNoLeftovers(target: Target): Promise<void> {
  const rows = await target.db.query<{ what: string }>(
    `SELECT 'column ' || c.relname || '.' || a.attname AS what
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attname LIKE '\\_midair%' AND NOT a.attisdropped
     UNION ALL
     SELECT 'trigger ' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND NOT t.tgisinternal
     UNION ALL
     SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'midair' AND p.proname <> 'relation_gone'`,
  );
  expect(rows.map((r) => r.what)).toEqual([]);
}

/** Each view of the version schema shows exactly the columns (names and types) of its final table. */
async function expectViewsMatchTables(target: Target, versionSchema: string): Promise<void> {
  const rows = await target.db.query<{ view: string; view_columns: string[]; table_columns: string[] | null }>(
    `SELECT v.relname AS view,
            array(SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute
                   WHERE attrelid = v.oid AND attnum > 0 ORDER BY 1) AS view_columns,
            array(SELECT attname || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute
                   WHERE attrelid = to_regclass(quote_ident('public') || '.' || quote_ident(v.relname)) AND attnum > 0 AND NOT attisdropped ORDER BY 1) AS table_columns
       FROM pg_class v JOIN pg_namespace n ON n.oid = v.relnamespace WHERE n.nspname = $1 AND v.relkind = 'v' ORDER BY 1`,
    [versionSchema],
  );
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    // A table the new shape does not have is hidden by a view that fails like a missing table.
    if (row.table_columns?.length === 0) await expect(target.db.query(`SELECT * FROM ${versionSchema}.${row.view}`)).rejects.toThrow(/does not exist in the new shape/);
    else expect({ view: row.view, columns: row.table_columns }).toEqual({ view: row.view, columns: row.view_columns });
  }
}

async function startWithShapes(target: Target, c: OperationCase) {
  const midair = target.midair();
  const started = await midair.start(c.migration);
  expect(started).toMatchObject({ stage: 'expanded', resumed: false, versionSchema: `public_${c.migration.name}` });
  const searchPath = await midair.latestSearchPath();
  expect(searchPath).toBe(`${started.versionSchema},public`);
  const shapes: Shapes = { old: await target.old(), next: await target.shape(searchPath) };
  return { midair, searchPath, shapes };
}

/** start, writes through both shapes, backfill, verify (clean), complete, then the final checks. */
export async function runToComplete(target: Target, c: OperationCase): Promise<void> {
  await target.reset();
  await target.db.exec(c.setup);
  const { midair, searchPath, shapes } = await startWithShapes(target, c);
  const versionSchema = `public_${c.migration.name}`;
  await c.expanded(shapes);
  await midair.backfill();
  expect(await midair.verify()).toMatchObject({ mismatches: 0, unsynced: 0, samples: [] });
  expect(await midair.complete()).toMatchObject({ stage: 'complete', versionSchema });
  expect(await midair.latestSearchPath()).toBe(searchPath);
  await expectNoLeftovers(target);
  await expectViewsMatchTables(target, versionSchema);
  await c.completed(shapes);
}

/** start, writes through both shapes, rollback: the schema is exactly as before and no row is lost. */
export async function runToRollback(target: Target, c: OperationCase): Promise<void> {
  await target.reset();
  await target.db.exec(c.setup);
  await target.midair().init();
  const before = await target.snapshot();
  const { midair, shapes } = await startWithShapes(target, c);
  await c.expanded(shapes);
  expect(await midair.rollback()).toEqual({ migration: c.migration.name, stage: 'rolled_back', droppedRows: c.droppedRows ?? {} });
  expect(await target.snapshot()).toEqual(before);
  expect(await midair.latestSearchPath()).toBe('public');
  await c.rolledBack(shapes.old);
}

/** Every case, on every driver, through complete and through rollback, in one database per driver. */
export function describeOperationCases(label: string, cases: OperationCase[]): void {
  describe.each(DRIVERS)('%s', (kind) => {
    let target: Target;
    beforeAll(async () => {
      target = await openTarget(kind, label);
    });
    afterAll(async () => {
      await target?.close();
    });

    describe.each(cases)('$title', (c) => {
      it('start, both shapes read and write, backfill, verify, complete', () => runToComplete(target, c));
      it('start, both shapes write, rollback restores the schema and keeps every row', () => runToRollback(target, c));
    });
  });
}
