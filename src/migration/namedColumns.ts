import { ident, literal, shortName } from '../db/sql.js';
import { MARKER_COLUMN } from './plan.js';

/**
 * Which new columns an UPDATE names, for rows not yet backfilled. Their new columns are still
 * empty, so a row trigger cannot tell "set to NULL" (or to the value it had) from "not written";
 * PostgreSQL fires `BEFORE UPDATE OF column` triggers exactly when the statement names the column,
 * so one such trigger per new column leaves a note in a transaction-local setting, which the sync
 * trigger (fired after it: triggers fire in name order) reads before it fills the unnamed columns.
 */

/** Names the row version being updated: a note for one row never applies to another. */
export const ROW_IDENTITY = `TG_RELID::text || ':' || OLD.ctid::text`;

/** The setting that notes "this UPDATE names the k-th filled column of this row". */
export function namedSetting(k: number): string {
  return `midair.named_${k}`;
}

export function namedFunctionName(migration: string, table: string): string {
  return shortName('named', migration, table);
}

/** Sorts before the sync trigger ("_midair_n" < "_midair_s"); k first, so truncation keeps names apart. */
export function namedTriggerName(migration: string, k: number): string {
  return shortName('_midair_named', String(k), migration);
}

export function namedFunctionSql(fn: string): string {
  return `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $midair$
BEGIN
  PERFORM set_config(TG_ARGV[0], ${ROW_IDENTITY}, true);
  RETURN NEW;
END
$midair$`;
}

/** `when` is the sync trigger's own condition: the two fire together or not at all. */
export function namedTriggerSql(trigger: string, table: string, column: string, fn: string, k: number, when: string): string {
  return `CREATE TRIGGER ${ident(trigger)} BEFORE UPDATE OF ${ident(column)} ON ${table} FOR EACH ROW
    WHEN (OLD.${ident(MARKER_COLUMN)} IS NULL AND ${when}) EXECUTE FUNCTION ${fn}(${literal(namedSetting(k))})`;
}
