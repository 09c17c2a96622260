import type { Queryable } from '../db/executor.js';
import { ident, literal, qualified } from '../db/sql.js';

export interface SampleCopyResult {
  tables: number;
  rows: number;
  /** What a sample copy leaves out, for the report. */
  notes: string[];
}

const BATCH = 1000;

interface ColumnRow {
  table_name: string;
  name: string;
  type: string;
  not_null: boolean;
  default: string | null;
  identity: string;
  generated: string;
}

/**
 * The fallback when the database cannot be a template: the schema's enum types, sequences,
 * tables (columns, defaults, identity, generated columns), primary key, unique and check
 * constraints and indexes, then up to `rowsPerTable` rows of each table. Foreign keys, triggers,
 * views and functions are left out (a sample need not hold the rows a key refers to).
 */
export async function copySchemaAndSample(source: Queryable, target: Queryable, schema: string, rowsPerTable: number): Promise<SampleCopyResult> {
  const notes = ['foreign keys, triggers, views and functions are not copied in a sample copy'];
  const s = ident(schema);
  await target.exec(`CREATE SCHEMA IF NOT EXISTS ${s}; SET search_path TO ${s}`);
  // Expressions rendered by the source name objects relative to this search_path.
  await source.exec(`SET search_path TO ${s}`);

  for (const { name } of await source.query<{ name: string }>(`SELECT extname AS name FROM pg_extension WHERE extname <> 'plpgsql'`)) {
    await target.exec(`CREATE EXTENSION IF NOT EXISTS ${ident(name)}`).catch(() => notes.push(`extension "${name}" could not be created in the copy`));
  }
  const enums = await source.query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE n.nspname = $1 GROUP BY t.typname`,
    [schema],
  );
  for (const e of enums) await target.exec(`CREATE TYPE ${qualified(schema, e.name)} AS ENUM (${e.labels.map(literal).join(', ')})`);

  // Sequences that are not identity columns' own (those come with their table).
  const sequences = await source.query<{ name: string; type: string; increment: string; min: string; max: string; start: string; cycle: boolean; last: string | null }>(
    `SELECT c.relname AS name, format_type(q.seqtypid, NULL) AS type, q.seqincrement::text AS increment, q.seqmin::text AS min,
            q.seqmax::text AS max, q.seqstart::text AS start, q.seqcycle AS cycle, pg_sequence_last_value(c.oid)::text AS last
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence q ON q.seqrelid = c.oid
      WHERE n.nspname = $1 AND c.relkind = 'S'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'i')`,
    [schema],
  );
  for (const q of sequences) {
    await target.exec(`CREATE SEQUENCE ${qualified(schema, q.name)} AS ${q.type} INCREMENT ${q.increment} MINVALUE ${q.min} MAXVALUE ${q.max} START ${q.start}${q.cycle ? ' CYCLE' : ''}`);
    if (q.last !== null) await target.query(`SELECT setval($1, $2::bigint)`, [`${s}.${ident(q.name)}`, q.last]);
  }

  const columns = await source.query<ColumnRow>(
    `SELECT c.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
            pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity AS identity, a.attgenerated AS generated
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relkind = 'r' AND NOT c.relispartition
      ORDER BY c.relname, a.attnum`,
    [schema],
  );
  const tables = [...new Set(columns.map((c) => c.table_name))];
  let rows = 0;
  for (const table of tables) {
    const own = columns.filter((c) => c.table_name === table);
    const definitions = own.map((c) => {
      const parts = [ident(c.name), c.type];
      if (c.generated === 's') parts.push(`GENERATED ALWAYS AS (${c.default}) STORED`);
      else if (c.identity) parts.push(`GENERATED ${c.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`);
      else if (c.default !== null) parts.push(`DEFAULT ${c.default}`);
      if (c.not_null && !c.identity) parts.push('NOT NULL');
      return parts.join(' ');
    });
    const t = qualified(schema, table);
    await target.exec(`CREATE TABLE ${t} (${definitions.join(', ')})`);
    // Rows travel as their text form and are cast back to the (identical) row type in the copy.
    const insertable = own.filter((c) => c.generated !== 's').map((c) => ident(c.name));
    const sample = await source.query<{ r: string }>(`SELECT x::text AS r FROM ${t} AS x LIMIT ${rowsPerTable}`);
    for (let i = 0; i < sample.length; i += BATCH) {
      await target.query(
        `INSERT INTO ${t} (${insertable.join(', ')}) OVERRIDING SYSTEM VALUE
         SELECT ${insertable.map((c) => `(x).${c}`).join(', ')} FROM (SELECT r::${t} AS x FROM unnest($1::text[]) AS r) AS rows`,
        [sample.slice(i, i + BATCH).map((x) => x.r)],
      );
    }
    rows += sample.length;
    for (const c of own.filter((x) => x.identity)) {
      const [seq] = await source.query<{ last: string | null }>(`SELECT pg_sequence_last_value(pg_get_serial_sequence($1, $2)::regclass)::text AS last`, [`${s}.${ident(table)}`, c.name]);
      if (seq?.last) await target.query(`SELECT setval(pg_get_serial_sequence($1, $2), $3::bigint)`, [`${s}.${ident(table)}`, c.name, seq.last]);
    }
  }

  const constraints = await source.query<{ table_name: string; name: string; definition: string }>(
    `SELECT c.relname AS table_name, k.conname AS name, pg_get_constraintdef(k.oid) AS definition
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND k.contype IN ('p', 'u', 'c', 'x') AND c.relkind = 'r' AND NOT c.relispartition
      ORDER BY k.contype = 'p' DESC`,
    [schema],
  );
  for (const k of constraints) await target.exec(`ALTER TABLE ${qualified(schema, k.table_name)} ADD CONSTRAINT ${ident(k.name)} ${k.definition}`);
  const indexes = await source.query<{ definition: string }>(
    `SELECT pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' AND NOT c.relispartition
        AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
    [schema],
  );
  for (const i of indexes) await target.exec(i.definition);
  await target.exec('ANALYZE');
  return { tables: tables.length, rows, notes };
}
