import { qualified } from '../../db/sql.js';
import type { DoctorCheck } from './finding.js';

/**
 * Blocking: a table without a primary key or a unique key over NOT NULL columns has no row
 * identity, so a backfill cannot walk it in key ranges, verification cannot pair old and new rows,
 * and logical replication cannot apply its updates and deletes. A key is a valid unique index that
 * is checked at once (not DEFERRABLE: mid-transaction, two rows may share it), whole (not partial)
 * and over columns (not expressions), whose key columns are all NOT NULL.
 */
export const tableKeys: DoctorCheck = {
  name: 'table-keys',
  async run({ db, settings }) {
    const tables = await db.query<{ name: string }>(
      `SELECT c.relname AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND NOT EXISTS (
            SELECT 1 FROM pg_index i
             WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid AND i.indimmediate AND i.indpred IS NULL AND i.indexprs IS NULL
               -- Only the key columns identify a row: INCLUDE columns (after the first indnkeyatts) may be null.
               AND NOT EXISTS (SELECT 1 FROM pg_attribute a
                                WHERE a.attrelid = c.oid AND a.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1]) AND NOT a.attnotnull))
        ORDER BY c.relname`,
      [settings.schema],
    );
    if (tables.length === 0) return [];
    return [{
      check: 'table-keys',
      severity: 'blocking',
      title: `${tables.length} table${tables.length === 1 ? '' : 's'} in schema ${settings.schema} without a primary key or a unique key over NOT NULL columns`,
      evidence: tables.map((t) => qualified(settings.schema, t.name)),
      fix: 'add a primary key (ALTER TABLE ... ADD PRIMARY KEY, or build a unique index CONCURRENTLY and then ADD PRIMARY KEY USING INDEX), or a unique index over NOT NULL columns',
    }];
  },
};
