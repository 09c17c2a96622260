import type { Queryable } from '../db/executor.js';
import type { StaleTriggerBody } from './triggerBodies.js';

export interface CatalogColumn {
  name: string;
  type: string;
  nullable: boolean;
  default: string | null;
  /** GENERATED ... AS IDENTITY (absent in catalogs stored by older versions). */
  identity?: boolean;
  /** The sequence this column owns (a serial column), schema-qualified and quoted. */
  ownedSequence?: string | null;
  /** The column's comment (absent in catalogs stored by older versions). */
  comment?: string | null;
  /** Its collation's name when it has one (absent in older catalogs). */
  collation?: string | null;
}

export interface CatalogIndex {
  name: string;
  /** Key columns that are plain columns, in order (expressions left out). */
  columns: string[];
  unique: boolean;
  /** Backs a UNIQUE constraint of the same name. */
  constraint: boolean;
  method: string;
  /** pg_get_indexdef(): expressions, predicate, opclasses, collations, storage parameters (absent in older catalogs). */
  definition?: string;
  /** Every column the index reads: key, INCLUDE, expressions and predicate. */
  uses?: string[];
  /** It has a WHERE predicate (absent in older catalogs). */
  partial?: boolean;
  /** It has expression keys (absent in older catalogs). */
  expressions?: boolean;
  /** It backs a DEFERRABLE constraint (absent in older catalogs). */
  deferrable?: boolean;
}

/** A CHECK, FOREIGN KEY or EXCLUDE constraint of a table. */
export interface CatalogConstraint {
  name: string;
  kind: 'check' | 'foreignKey' | 'exclusion';
  /** Columns of this table it uses. */
  columns: string[];
  /** pg_get_constraintdef(). */
  definition: string;
  validated: boolean;
  /** For a foreign key: the referenced table, schema-qualified and quoted. */
  references: string | null;
}

/** A foreign key of some table that references columns of this one. */
export interface CatalogReference {
  name: string;
  /** The referencing table. */
  table: string;
  /** The referenced columns of this table. */
  columns: string[];
  /** The index of this table the foreign key depends on (absent in older catalogs). */
  index?: string;
}

/** ALTER TABLE ... REPLICA IDENTITY: what logical decoding logs of a row's old values. */
export type ReplicaIdentity = 'default' | 'full' | 'nothing' | { index: string };

/** A partition of a partitioned table, at any depth: the tree in level order (parents first). */
export interface CatalogPartition {
  name: string;
  /** The table it is a partition of: the partitioned table or a sub-partitioned partition. */
  parent: string;
  /** False for a partition that is itself partitioned (it has no rows of its own). */
  leaf: boolean;
}

export interface CatalogTable {
  name: string;
  columns: CatalogColumn[];
  indexes: CatalogIndex[];
  /** Primary key, or else the first unique index over NOT NULL columns: what backfill and verify walk. */
  key: string[];
  /** The primary key constraint's name (absent without one, and in catalogs stored by older versions). */
  primaryKey?: string;
  /** Row-level security is enabled: the version schema's views must apply its policies too. */
  rowSecurity?: boolean;
  /** The table's comment (absent in catalogs stored by older versions). */
  comment?: string | null;
  /**
   * For a partitioned table, its partitions. They are not tables of their own here: rows are
   * read and written through the parent, and indexes are built on each of them.
   */
  partitions?: CatalogPartition[];
  /** For a partitioned table, the columns of its partition key and of its sub-partitions' keys (a unique index needs them all). */
  partitionKey?: string[];
  /** Absent in catalogs stored by older versions. */
  constraints?: CatalogConstraint[];
  referencedBy?: CatalogReference[];
  /** Absent in catalogs stored by older versions. */
  replicaIdentity?: ReplicaIdentity;
}

/** An enum type of the schema: its labels in sort order. */
export interface CatalogEnum {
  name: string;
  values: string[];
}

/** The tables of one schema, as they are before a migration starts (stored with the migration). */
export interface Catalog {
  schema: string;
  tables: CatalogTable[];
  /** Every relation name in the schema (tables, indexes, views, sequences): one namespace. */
  relations?: string[];
  /** The schema's enum types (absent in catalogs stored by older versions). */
  enums?: CatalogEnum[];
  /** server_version_num, e.g. 150004. */
  serverVersion?: number;
  /** The migration's expressions the server found volatile (set by the checks before start). */
  volatile?: VolatileExpression[];
  /** The user's trigger functions that name a column the migration drops or renames (set by the same checks). */
  staleTriggerBodies?: StaleTriggerBody[];
}

/** An up, down or default whose value changes between evaluations over the same row. */
export interface VolatileExpression {
  expression: string;
  /** What makes it so, e.g. "random()", "CURRENT_TIMESTAMP". */
  because: string[];
}

const COLUMN_NAMES = (relation: string, attnums: string) =>
  `array(SELECT a.attname::text FROM unnest(${attnums}) WITH ORDINALITY u(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = ${relation} AND a.attnum = u.attnum ORDER BY u.ord)`;

/** pg_class.relreplident, and the index marked indisreplident for 'i' (none left when it was dropped: like 'nothing'). */
function replicaIdentityOf(code: string, index: string | null): ReplicaIdentity {
  if (code === 'i') return index ? { index } : 'nothing';
  return code === 'f' ? 'full' : code === 'n' ? 'nothing' : 'default';
}

export async function readCatalog(db: Queryable, schema: string): Promise<Catalog> {
  const columns = await db.query<CatalogColumn & { table_name: string; row_security: boolean; table_comment: string | null; replica_identity: string; replica_index: string | null }>(
    `SELECT c.relname AS table_name, c.relrowsecurity AS row_security, c.relreplident AS replica_identity,
            (SELECT ri.relname FROM pg_index i JOIN pg_class ri ON ri.oid = i.indexrelid WHERE i.indrelid = c.oid AND i.indisreplident) AS replica_index,
            a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
            NOT a.attnotnull AS nullable, pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity <> '' AS identity,
            (SELECT format('%I.%I', sn.nspname, s.relname) FROM pg_depend dep
               JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
              WHERE dep.classid = 'pg_class'::regclass AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = c.oid
                AND dep.refobjsubid = a.attnum AND dep.deptype = 'a' LIMIT 1) AS "ownedSequence",
            col_description(c.oid, a.attnum) AS comment, obj_description(c.oid, 'pg_class') AS table_comment,
            (SELECT co.collname FROM pg_collation co WHERE co.oid = a.attcollation) AS collation
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname, a.attnum`,
    [schema],
  );
  const keys = await db.query<{ table_name: string; columns: string[]; primary_key: string | null }>(
    `SELECT DISTINCT ON (c.relname) c.relname AS table_name,
            (SELECT k.conname FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype = 'p') AS primary_key,
            array(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
        AND NOT EXISTS (SELECT 1 FROM unnest(i.indkey) k(attnum)
                          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum WHERE NOT a.attnotnull)
      ORDER BY c.relname, i.indisprimary DESC, i.indnatts, i.indexrelid`,
    [schema],
  );
  // Indexes that back exclusion constraints come with the constraint; the primary key is never copied.
  const indexes = await db.query<CatalogIndex & { table_name: string }>(
    `SELECT c.relname AS table_name, ic.relname AS name, i.indisunique AS unique, am.amname AS method,
            EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype = 'u') AS constraint,
            ${COLUMN_NAMES('c.oid', 'i.indkey')} AS columns,
            pg_get_indexdef(i.indexrelid) AS definition,
            array(SELECT a.attname::text FROM pg_depend dep
                    JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
                   WHERE dep.classid = 'pg_class'::regclass AND dep.objid = i.indexrelid
                     AND dep.refclassid = 'pg_class'::regclass AND dep.refobjid = c.oid AND dep.refobjsubid > 0
                  -- A constraint's index depends on its constraint, not on its columns: its key and INCLUDE columns are read here.
                  UNION SELECT a.attname::text FROM unnest(i.indkey) k(attnum) JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                  ORDER BY 1) AS uses,
            i.indpred IS NOT NULL AS partial, i.indexprs IS NOT NULL AS expressions,
            EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.condeferrable) AS deferrable
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_am am ON am.oid = ic.relam
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT i.indisprimary AND i.indisvalid
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype = 'x')
      ORDER BY c.relname, ic.relname`,
    [schema],
  );
  const partitioned = await db.query<{ table_name: string; key: string[]; partitions: CatalogPartition[] }>(
    `SELECT c.relname AS table_name,
            array(SELECT DISTINCT a.attname::text FROM pg_partition_tree(c.oid) t
                    JOIN pg_partitioned_table kt ON kt.partrelid = t.relid
                    CROSS JOIN LATERAL unnest(kt.partattrs::int2[]) k(attnum)
                    JOIN pg_attribute a ON a.attrelid = kt.partrelid AND a.attnum = k.attnum ORDER BY 1) AS key,
            coalesce((SELECT json_agg(json_build_object('name', p.relname, 'parent', pp.relname, 'leaf', t.isleaf) ORDER BY t.level, p.relname)
                        FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid JOIN pg_class pp ON pp.oid = t.parentrelid
                       WHERE t.level > 0), '[]') AS partitions
       FROM pg_partitioned_table pt
       JOIN pg_class c ON c.oid = pt.partrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT c.relispartition`,
    [schema],
  );
  const constraints = await db.query<CatalogConstraint & { table_name: string }>(
    `SELECT c.relname AS table_name, k.conname AS name,
            CASE k.contype WHEN 'c' THEN 'check' WHEN 'f' THEN 'foreignKey' ELSE 'exclusion' END AS kind,
            ${COLUMN_NAMES('k.conrelid', 'k.conkey')} AS columns,
            pg_get_constraintdef(k.oid) AS definition, k.convalidated AS validated,
            CASE WHEN k.contype = 'f' THEN (SELECT format('%I.%I', fn.nspname, f.relname) FROM pg_class f
                                              JOIN pg_namespace fn ON fn.oid = f.relnamespace WHERE f.oid = k.confrelid) END AS references
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND k.contype IN ('c', 'f', 'x')
      ORDER BY c.relname, k.conname`,
    [schema],
  );
  const references = await db.query<CatalogReference & { table_name: string }>(
    `SELECT c.relname AS table_name, k.conname AS name, r.relname AS table, ${COLUMN_NAMES('k.confrelid', 'k.confkey')} AS columns,
            (SELECT ki.relname FROM pg_class ki WHERE ki.oid = k.conindid) AS index
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.confrelid
       JOIN pg_class r ON r.oid = k.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND k.contype = 'f'
      ORDER BY c.relname, k.conname`,
    [schema],
  );
  const keyOf = new Map(keys.map((k) => [k.table_name, k]));
  const partitionsOf = new Map(partitioned.map((p) => [p.table_name, p]));
  const tables = new Map<string, CatalogTable>();
  for (const c of columns) {
    let table = tables.get(c.table_name);
    if (!table) {
      table = {
        name: c.table_name,
        columns: [],
        key: keyOf.get(c.table_name)?.columns ?? [],
        indexes: indexes.filter((i) => i.table_name === c.table_name).map(({ table_name: _, ...index }) => index),
        rowSecurity: c.row_security,
        comment: c.table_comment,
        constraints: constraints.filter((k) => k.table_name === c.table_name).map(({ table_name: _, ...constraint }) => constraint),
        referencedBy: references.filter((r) => r.table_name === c.table_name).map(({ table_name: _, ...reference }) => reference),
      };
      table.replicaIdentity = replicaIdentityOf(c.replica_identity, c.replica_index);
      const primaryKey = keyOf.get(c.table_name)?.primary_key;
      if (primaryKey) table.primaryKey = primaryKey;
      const p = partitionsOf.get(c.table_name);
      if (p) Object.assign(table, { partitions: p.partitions, partitionKey: p.key });
      tables.set(c.table_name, table);
    }
    table.columns.push({ name: c.name, type: c.type, nullable: c.nullable, default: c.default, identity: c.identity, ownedSequence: c.ownedSequence, comment: c.comment, collation: c.collation });
  }
  const relations = await db.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 ORDER BY 1`,
    [schema],
  );
  const enums = await db.query<CatalogEnum>(
    `SELECT t.typname AS name, array(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS values
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typtype = 'e' ORDER BY 1`,
    [schema],
  );
  const [version] = await db.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`);
  return { schema, tables: [...tables.values()], relations: relations.map((r) => r.name), enums, serverVersion: version?.v };
}
