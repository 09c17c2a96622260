import { ident } from '../db/sql.js';
import { MARKER_COLUMN, columnsNamed, type Assignment, type TableSync } from '../migration/plan.js';

export interface Check {
  column: string;
  direction: 'up' | 'down';
  /** SQL: the row's values differ from what the expression says. */
  differs: string;
  actual: string;
  /** SQL of the expected value for samples. */
  expected: string;
  volatile?: string[];
}

/** A table's checks, and the join that gives their `down` expressions the new shape's names. */
export interface TableChecks {
  checks: Check[];
  /** SQL after `FROM <table> AS o`: empty, or a LATERAL sub-select of the down expressions. */
  lateral: string;
}

/**
 * Each check compares a stored value with the expression that should have produced it, for the
 * rows whose values came from the other side. A volatile expression gives another value when
 * evaluated again, so its column is checked only for a value where one is due: always when the
 * column is NOT NULL, else when every column the expression reads has one.
 */
export function checksOf(sync: TableSync): TableChecks {
  const source = `o.${ident(MARKER_COLUMN)}`;
  // down sees the new shape: a LATERAL sub-select renames the physical columns to the new names.
  // PostgreSQL flattens it into the scan (a scalar sub-select per row would keep it from a parallel
  // scan), and evaluates each expression only where the row's check reaches it.
  const newRow = sync.newScope.map((c) => `o.${ident(c.physical)} AS ${ident(c.name)}`).join(', ');
  const downs: string[] = [];
  const check = (a: Assignment, direction: 'up' | 'down'): Check => {
    const [from, to] = direction === 'up' ? [sync.oldScope, sync.newScope] : [sync.newScope, sync.oldScope];
    const target = to.find((c) => c.physical === a.column) ?? { name: a.column, nullable: true };
    const applies = direction === 'up' ? `${source} IS DISTINCT FROM 'n'` : `${source} = 'n'`;
    const actual = `o.${ident(a.column)}`;
    if (a.volatile) {
      const present = columnsNamed(from, [a.expression]).map((c) => `o.${ident(c.physical)} IS NOT NULL`);
      const due = target.nullable ? present.join(' AND ') || 'true' : 'true';
      return { column: target.name, direction, differs: `(${applies} AND ${actual} IS NULL AND ${due})`, actual, expected: 'NULL', volatile: a.volatile };
    }
    let expected = `(${a.expression})`;
    if (direction === 'down') {
      expected = `d.${ident(`_midair_down_${downs.length}`)}`;
      downs.push(`(${a.expression}) AS ${ident(`_midair_down_${downs.length}`)}`);
    }
    const synced = direction === 'down' ? upHolds(a) : null;
    return { column: target.name, direction, differs: `(${applies} AND ${actual} IS DISTINCT FROM ${expected}${synced ? ` AND NOT (${synced})` : ''})`, actual, expected };
  };
  // A row the new release wrote last, whose old columns an old-release update changed since: the
  // trigger derived the new columns those feed from them (up), and left the rest. Such an old
  // column agrees with the new shape when every new column its `down` reads is up(old row).
  const upHolds = (a: Assignment): string | null => {
    const sources = columnsNamed(sync.newScope, [a.expression]).map((c) => sync.up.find((u) => u.column === c.physical));
    if (sources.length === 0 || sources.some((u) => !u || u.volatile)) return null;
    return sources.map((u) => `o.${ident(u!.column)} IS NOT DISTINCT FROM (${u!.expression})`).join(' AND ');
  };
  const checks = [...sync.up.map((a) => check(a, 'up')), ...sync.down.map((a) => check(a, 'down'))];
  const lateral = downs.length ? `CROSS JOIN LATERAL (SELECT ${downs.join(', ')} FROM (SELECT ${newRow}) AS n) AS d` : '';
  return { checks, lateral };
}

/** What verify cannot check for a volatile expression, in words. */
export function uncheckedOf(sync: TableSync, checks: Check[]): string[] {
  return checks
    .filter((c) => c.volatile)
    .map((c) => `"${sync.table}"."${c.column}": "${c.direction}" is volatile (${c.volatile!.join(', ')}): its values cannot be recomputed; checked only that a value is there where one is due (constraints are validated by complete)`);
}
