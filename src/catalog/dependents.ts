import type { Queryable } from '../db/executor.js';
import { ident } from '../db/sql.js';
import { MidairError } from '../errors.js';
import type { Dropped } from '../migration/dropped.js';

/** An object of the user's that would make contract fail, or that Midair cannot keep in step. */
export interface Dependent {
  kind: DependentKind;
  /** "view "public"."v"", "foreign key "f" of table "public"."t"", ... */
  object: string;
  /** What it depends on: "column "users"."name"", "table "users""; null when the object says it all. */
  on: string | null;
}

type DependentKind = 'view' | 'foreign key' | 'generated column' | 'policy' | 'trigger' | 'publication' | 'inheritance' | 'partition key' | 'other';

const HINTS: Record<DependentKind, string> = {
  view: 'drop the view before start and create it again over the new shape after complete (Midair does not rewrite views)',
  'foreign key': 'drop the foreign key first (op.dropConstraint in an earlier migration), or keep what it references',
  'generated column': 'drop the generated column first, or keep the column it is computed from',
  policy: 'drop the policy or rewrite it without that column before start',
  trigger: 'recreate the trigger without that column in UPDATE OF or WHEN before start',
  publication: 'take the column out of the publication first (ALTER PUBLICATION ... SET TABLE with a column list without it)',
  inheritance: 'Midair does not change tables in an INHERITS hierarchy (partitioned tables are fine): detach them (ALTER TABLE ... NO INHERIT) or change them by hand',
  'partition key': 'a partition key column cannot be dropped; keep it',
  other: 'drop it first, or keep what it depends on',
};

interface Row {
  kind: DependentKind;
  object: string | null;
  owner_schema: string | null;
  owner_name: string | null;
  owner_oid: number | null;
  described: string;
  table_name: string;
  column_name: string | null;
}

/**
 * Normal dependencies (pg_depend deptype 'n') are exactly what makes a DROP without CASCADE fail:
 * views and materialized views (through their rewrite rule), foreign keys of other tables,
 * generated columns, policies, triggers (UPDATE OF, WHEN), publication column lists, inheritance
 * children, and anything of the table's row type. Partitions carry their parent's columns, so a
 * view over a partition blocks the drop too. Auto dependencies (the column's own indexes and
 * constraints) go with the column and are not listed, nor are the table's own CHECK constraints,
 * which PostgreSQL also drops with the column.
 */
const DEPENDENTS_SQL = `
WITH dropped(table_name, column_name) AS (
  SELECT * FROM unnest($2::text[], $3::text[])
  UNION ALL SELECT t, NULL FROM unnest($4::text[]) AS t
),
targets AS (
  SELECT d.table_name, d.column_name, r.oid AS relid, r.relname, r.reltype, a.attnum
    FROM dropped d
    JOIN pg_class p ON p.relname = d.table_name AND p.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
    CROSS JOIN LATERAL (SELECT p.oid UNION SELECT relid FROM pg_partition_tree(p.oid)) AS tree(oid)
    JOIN pg_class r ON r.oid = tree.oid
    LEFT JOIN pg_attribute a ON a.attrelid = r.oid AND a.attname = d.column_name AND NOT a.attisdropped
   WHERE d.column_name IS NULL OR a.attnum IS NOT NULL
),
deps AS (
  SELECT DISTINCT t.relname AS table_name, t.column_name, dep.classid, dep.objid, dep.objsubid,
         CASE dep.classid
           WHEN 'pg_rewrite'::regclass THEN (SELECT ev_class FROM pg_rewrite WHERE oid = dep.objid)
           WHEN 'pg_constraint'::regclass THEN (SELECT conrelid FROM pg_constraint WHERE oid = dep.objid)
           WHEN 'pg_attrdef'::regclass THEN (SELECT adrelid FROM pg_attrdef WHERE oid = dep.objid)
           WHEN 'pg_policy'::regclass THEN (SELECT polrelid FROM pg_policy WHERE oid = dep.objid)
           WHEN 'pg_trigger'::regclass THEN (SELECT tgrelid FROM pg_trigger WHERE oid = dep.objid)
           WHEN 'pg_class'::regclass THEN dep.objid
         END AS owner
    FROM targets t
    JOIN pg_depend dep ON dep.deptype = 'n' AND (
         (dep.refclassid = 'pg_class'::regclass AND dep.refobjid = t.relid AND (t.column_name IS NULL OR dep.refobjsubid = t.attnum))
      OR (t.column_name IS NULL AND dep.refclassid = 'pg_type'::regclass AND dep.refobjid = t.reltype))
)
SELECT CASE
         WHEN d.classid = 'pg_rewrite'::regclass THEN 'view'
         WHEN d.classid = 'pg_constraint'::regclass AND con.contype = 'f' THEN 'foreign key'
         WHEN d.classid = 'pg_attrdef'::regclass THEN 'generated column'
         WHEN d.classid = 'pg_policy'::regclass THEN 'policy'
         WHEN d.classid = 'pg_trigger'::regclass THEN 'trigger'
         WHEN d.classid = 'pg_publication_rel'::regclass THEN 'publication'
         ELSE 'other'
       END AS kind,
       CASE d.classid
         WHEN 'pg_rewrite'::regclass THEN CASE o.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END
         WHEN 'pg_constraint'::regclass THEN con.conname::text
         WHEN 'pg_attrdef'::regclass THEN (SELECT a.attname::text FROM pg_attrdef ad JOIN pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum WHERE ad.oid = d.objid)
         WHEN 'pg_policy'::regclass THEN (SELECT polname::text FROM pg_policy WHERE oid = d.objid)
         WHEN 'pg_trigger'::regclass THEN (SELECT tgname::text FROM pg_trigger WHERE oid = d.objid)
         WHEN 'pg_publication_rel'::regclass THEN (SELECT p.pubname::text FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid WHERE pr.oid = d.objid)
       END AS object,
       n.nspname AS owner_schema, o.relname AS owner_name, o.oid::int AS owner_oid,
       pg_describe_object(d.classid, d.objid, d.objsubid) AS described, d.table_name, d.column_name
  FROM deps d
  LEFT JOIN pg_constraint con ON d.classid = 'pg_constraint'::regclass AND con.oid = d.objid
  LEFT JOIN pg_class o ON o.oid = d.owner
  LEFT JOIN pg_namespace n ON n.oid = o.relnamespace
 WHERE (d.owner IS NULL OR (d.owner NOT IN (SELECT relid FROM targets WHERE column_name IS NULL) AND n.nspname IS DISTINCT FROM $5))
   -- A CHECK of the table itself goes with the column (alterColumn carries it over to the copy).
   AND NOT (con.contype IS NOT DISTINCT FROM 'c' AND d.owner IN (SELECT relid FROM targets))
UNION ALL
SELECT 'partition key', NULL, NULL, NULL, NULL, '', t.relname, t.column_name
  FROM targets t JOIN pg_partitioned_table pt ON pt.partrelid = t.relid
 WHERE t.attnum = ANY (pt.partattrs::int2[])
ORDER BY 7, 8, 6`;

/** Views built on a view, at any depth: they go when it goes, so they must be re-created too. */
const VIEWS_ON_VIEW_SQL = `
WITH RECURSIVE built_on(oid) AS (
  SELECT r.ev_class FROM pg_depend dep JOIN pg_rewrite r ON r.oid = dep.objid
   WHERE dep.classid = 'pg_rewrite'::regclass AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = $1 AND r.ev_class <> $1
  UNION
  SELECT r.ev_class FROM built_on b JOIN pg_depend dep ON dep.refobjid = b.oid AND dep.refclassid = 'pg_class'::regclass AND dep.classid = 'pg_rewrite'::regclass
    JOIN pg_rewrite r ON r.oid = dep.objid WHERE r.ev_class <> b.oid
)
SELECT CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'view' END AS kind, n.nspname AS schema, c.relname AS name
  FROM built_on b JOIN pg_class c ON c.oid = b.oid JOIN pg_namespace n ON n.oid = c.relnamespace ORDER BY 2, 3`;

/** Plain inheritance (not partitioning): triggers, backfill and drops on the parent do not reach children alike. */
const INHERITANCE_SQL = `
SELECT cn.nspname AS child_schema, c.relname AS child, pn.nspname AS parent_schema, p.relname AS parent
  FROM pg_inherits i
  JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
  JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
 WHERE p.relkind <> 'p' AND ((pn.nspname = $1 AND p.relname = ANY ($2::text[])) OR (cn.nspname = $1 AND c.relname = ANY ($2::text[])))
 ORDER BY 1, 2, 3, 4`;

function describe(row: Row): string {
  const owner = row.owner_schema && row.owner_name ? `${ident(row.owner_schema)}.${ident(row.owner_name)}` : '';
  switch (row.kind) {
    case 'view': return `${row.object} ${owner}`;
    case 'foreign key': return `foreign key ${ident(row.object!)} of table ${owner}`;
    case 'generated column': return `generated column ${ident(row.object!)} of table ${owner}`;
    case 'policy': return `policy ${ident(row.object!)} on table ${owner}`;
    case 'trigger': return `trigger ${ident(row.object!)} on table ${owner}`;
    case 'publication': return `publication ${ident(row.object!)}`;
    default: return row.described;
  }
}

/**
 * Everything outside Midair that depends on what the migration drops or changes. `ignoreSchema`
 * is the previous migration's version schema: complete drops it before anything else.
 */
export async function findDependents(db: Queryable, schema: string, dropped: Dropped, ignoreSchema: string | null): Promise<Dependent[]> {
  const rows = await db.query<Row>(DEPENDENTS_SQL, [
    schema, dropped.columns.map((c) => c.table), dropped.columns.map((c) => c.column), dropped.tables, ignoreSchema,
  ]);
  const found: Dependent[] = [];
  for (const row of rows) {
    const on = row.column_name === null ? `table ${ident(row.table_name)}` : `column ${ident(row.table_name)}.${ident(row.column_name)}`;
    const object = row.kind === 'partition key' ? `the partition key of ${ident(row.table_name)}` : describe(row);
    if (!found.some((f) => f.object === object)) found.push({ kind: row.kind, object, on });
    if (row.kind !== 'view' || row.owner_oid === null) continue;
    const nested = await db.query<{ kind: string; schema: string; name: string }>(VIEWS_ON_VIEW_SQL, [row.owner_oid]);
    for (const v of nested) {
      const objectOnView = `${v.kind} ${ident(v.schema)}.${ident(v.name)}`;
      if (!found.some((f) => f.object === objectOnView)) found.push({ kind: 'view', object: objectOnView, on: object });
    }
  }
  const inherited = await db.query<{ child_schema: string; child: string; parent_schema: string; parent: string }>(INHERITANCE_SQL, [schema, dropped.changedTables]);
  for (const i of inherited) {
    found.push({ kind: 'inheritance', object: `table ${ident(i.child_schema)}.${ident(i.child)} inherits from ${ident(i.parent_schema)}.${ident(i.parent)}`, on: null });
  }
  return found;
}

/** Refuses a migration whose complete would fail (or go wrong) because of objects depending on what it drops. */
export async function refuseDependents(db: Queryable, schema: string, dropped: Dropped, ignoreSchema: string | null, source: string): Promise<void> {
  const found = await findDependents(db, schema, dropped, ignoreSchema);
  if (found.length === 0) return;
  const lines = found.map((d) => `  - ${d.object}${d.on ? ` depends on ${d.on}` : ''}`);
  const hints = [...new Set(found.map((d) => HINTS[d.kind]))];
  throw new MidairError(
    `${source}: ${found.length === 1 ? 'an object depends' : `${found.length} objects depend`} on what this migration drops or changes, so complete would fail or leave them broken:\n${lines.join('\n')}`,
    hints.join('; '),
    { dependents: found },
  );
}
