import { namesIn } from '../db/sqlTokens.js';

/** What a migration will do, compiled from its operations and the catalog before it started. */

/** One SQL statement, with the lock it takes, so that `midair plan` can show both. */
export interface Step {
  sql: string;
  lock: string;
  /** Index builds are resumable: an invalid leftover of a killed build is dropped first. */
  index?: string;
  /** An index the step creates that must not be dropped when invalid (a partitioned table's, valid once attached). */
  builds?: string;
  /** Work that grows with a table (physical name; an index build's columns): `plan` estimates how long the lock is held. Absent: catalog only. */
  scans?: { table: string; work: 'index build' | 'validation'; columns?: string[] };
  /** Raw SQL (op.sql): Midair cannot tell what it locks or for how long. */
  raw?: true;
}

/** The phases of a plan in the order they run: the verb that runs each, and whether it is one transaction. */
export const PHASES: { key: keyof Pick<Plan, 'expand' | 'expandOnline' | 'validate' | 'contract' | 'contractOnline' | 'rollbackOnline' | 'rollback'>; title: string; transaction: boolean }[] = [
  { key: 'expand', title: 'start: expand, one transaction (catalog only)', transaction: true },
  { key: 'expandOnline', title: 'start: online, one statement at a time', transaction: false },
  { key: 'validate', title: 'complete: online checks before contract', transaction: false },
  { key: 'contract', title: 'complete: contract, one transaction (catalog only)', transaction: true },
  { key: 'contractOnline', title: 'complete: online, after contract', transaction: false },
  { key: 'rollbackOnline', title: 'rollback: online, one statement at a time', transaction: false },
  { key: 'rollback', title: 'rollback: one transaction (catalog only)', transaction: true },
];

/** A column value computed by an SQL expression evaluated in the other shape's scope. */
export interface Assignment {
  /** Physical column written. */
  column: string;
  expression: string;
  /** The operation it comes from, for messages: "operation 2 (addColumn)". */
  source: string;
  /** What makes the expression volatile (the server said so before start): verify cannot recompute it. */
  volatile?: string[];
}

export interface ScopeColumn {
  /** Name seen by the expression. */
  name: string;
  /** Physical column holding it. */
  physical: string;
  type: string;
  nullable: boolean;
}

/** How one physical table is kept in sync while both shapes are live. */
export interface TableSync {
  /** Physical table name. */
  table: string;
  /** Key columns (physical) that backfill and verify walk. */
  key: string[];
  /** Old-release writes: new columns = up(old row). Also what backfill computes. */
  up: Assignment[];
  /** Filled once for rows that existed before start (a volatile default), never on later writes. */
  fill: Assignment[];
  /** New-release writes: old columns = down(new row). */
  down: Assignment[];
  oldScope: ScopeColumn[];
  newScope: ScopeColumn[];
  /** Columns only the new shape has: an old release never sets them (see newReleaseWrites). */
  newOnly: NewOnlyColumn[];
}

export interface NewOnlyColumn {
  physical: string;
  /** What an old-release INSERT leaves in it (NULL or a constant default); absent for a volatile default. */
  insertValue?: string;
}

/** The columns of a scope that the expressions name (see namesIn for how names are read). */
export function columnsNamed(scope: ScopeColumn[], expressions: string[]): ScopeColumn[] {
  const names = new Set(expressions.flatMap((e) => [...namesIn(e)]));
  return scope.filter((c) => names.has(c.name));
}

/** The columns that rows existing before start must be given: by backfill, or by their first write. */
export function filledColumns(sync: TableSync): Assignment[] {
  return [...sync.up, ...sync.fill];
}

/** A table as the new release sees it through the version schema's view. */
export interface ViewTable {
  name: string;
  physical: string;
  columns: ScopeColumn[];
  /** In a lazy migration, for a table whose rows need `up`: how the view upcasts and writes them (lazyView.ts). */
  lazy?: LazyView;
}

/**
 * A lazy migration's view of one table: rows not migrated yet (marker NULL) are upcast on read, so
 * the new shape is right before any backfill. Its upcast columns are expressions, which PostgreSQL
 * cannot write through, so an INSTEAD OF trigger writes the table by its key instead.
 */
export interface LazyView {
  /** Physical key columns: the trigger finds the row to update or delete by them. */
  key: string[];
  /** Per physical column that `up` computes for an unmigrated row: that expression (over the old shape). */
  upcast: { column: string; expression: string }[];
  /** The table has identity columns: inserts through the view give their values (from the view's defaults). */
  identity: boolean;
}

export interface Plan {
  migration: string;
  schema: string;
  versionSchema: string;
  /** Catalog-only DDL, applied in one transaction under a lock timeout. */
  expand: Step[];
  /** Online steps after expand (index builds). */
  expandOnline: Step[];
  sync: TableSync[];
  views: ViewTable[];
  /** Tables of the base schema the new shape no longer has (dropped, or renamed away): hidden from the new release. */
  hidden: string[];
  /** Online checks before contract (constraint validation). */
  validate: Step[];
  /** Catalog-only DDL that removes the old shape, applied in one transaction. */
  contract: Step[];
  /** Online steps after contract (validating constraints that could only be created then). */
  contractOnline: Step[];
  rollbackOnline: Step[];
  rollback: Step[];
  /** Plain-language warnings for `midair plan` and `start`. */
  warnings: string[];
}

/**
 * Per-row record of which side a row's values come from: 'o' when the new columns were derived from
 * the old (old-release write or backfill), 'n' when the old were derived from the new (new-release
 * write), NULL when the row has not been written since start. Verify checks each row in its direction.
 */
export const MARKER_COLUMN = '_midair_source';
