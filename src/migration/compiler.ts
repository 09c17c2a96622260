import type { Catalog, CatalogTable, ReplicaIdentity } from '../catalog/read.js';
import { qualified, shortName } from '../db/sql.js';
import { MidairError } from '../errors.js';
import { closest } from './closest.js';
import type { IndexSpec } from '../operations/indexBuild.js';
import type { TableNames } from '../operations/constraintNames.js';
import type { Operation } from './types.js';
import type { EnumShape } from './enumTypes.js';
import type { Plan, ScopeColumn, Step, TableSync } from './plan.js';

export interface ColumnShape {
  /** Name in the new shape. */
  name: string;
  /** Physical column that holds it during the migration. */
  physical: string;
  type: string;
  nullable: boolean;
  /** The physical column was created by this migration (so rollback drops it). */
  added: boolean;
  /** Its default as this migration set it (null: removed); absent: as before the migration (see defaultOf). */
  default?: string | null;
  /** The operation that turns it into an identity column, e.g. "operation 1 (alterColumn)": a copy could not take over that sequence. */
  identityBy?: string;
  /** A comment an earlier operation sets on it (null: none); absent: as before the migration. A copy of the column takes it. */
  comment?: string | null;
}

export interface TableShape {
  /** Name in the new shape. */
  name: string;
  physical: string;
  created: boolean;
  columns: ColumnShape[];
  /** Physical key columns. */
  key: string[];
  /** The table before the migration; absent for tables this migration creates. */
  before?: CatalogTable;
  /** As set by this migration so far (setReplicaIdentity), else as before; absent: the default. */
  replicaIdentity?: ReplicaIdentity;
  /** Contract's step that makes the copy of the identity's index the identity again (a column copy made it); a later setReplicaIdentity takes it out. */
  identityRestore?: Step;
  /** Constraints an earlier operation drops at complete: a column copy made later must not carry them over. */
  droppedConstraints?: string[];
  /** What drops the constraint the key comes from, e.g. 'operation 1 (dropConstraint) drops "t_pkey"': the table can then not be synced. */
  keyDroppedBy?: string;
}

/** A column's default in the new shape so far: as an earlier operation set it, else as in the catalog. */
export function defaultOf(table: TableShape, column: ColumnShape): string | null {
  if (column.default !== undefined) return column.default;
  return table.before?.columns.find((b) => b.name === column.physical)?.default ?? null;
}

/** A column's comment in the new shape so far: as an earlier operation set it, else as in the catalog. */
export function commentOf(table: TableShape, column: ColumnShape): string | null {
  if (column.comment !== undefined) return column.comment;
  return table.before?.columns.find((b) => b.name === column.physical)?.comment ?? null;
}

/** 'did you mean "name"? ' for a misspelt name close to one of `names`, else nothing. */
function didYouMean(name: string, names: string[]): string {
  const meant = closest(name, names);
  return meant ? `did you mean "${meant}"? ` : '';
}

/** How messages name an operation: "operation 2 (addColumn)". */
export function operationLabel(index: number, kind: string): string {
  return `operation ${index + 1} (${kind})`;
}

/**
 * A check run against the data before anything changes, so that start refuses up front instead of
 * failing half-way through an online build. `sql` selects one text column, `example`, per row (or
 * group of rows) that breaks it: a row's key or a duplicated value, shown to the user.
 */
export interface Precondition {
  sql: string;
  failure: (count: number) => string;
  hint: string;
}

/**
 * Statements that must succeed on the server before anything changes (run in a transaction that
 * is always rolled back): what only the server can tell, such as whether an index expression
 * works for a column's new type.
 */
export interface Probe {
  statements: string[];
  failure: (error: string) => string;
  hint: string;
}

/**
 * The state shared by operations while a migration compiles: the new shape built so far and the
 * plan's step lists. Operations read names in the new shape and write steps on physical names.
 */
export class Compiler {
  readonly tables: TableShape[];
  readonly plan: Plan;
  readonly preconditions: Precondition[] = [];
  readonly probes: Probe[] = [];
  /** Contract steps that need the final column names (run after renames). */
  readonly afterRename: Step[] = [];
  /** Indexes this migration builds, by physical table, with the operation that builds each ("operation 1 (createIndex)"). */
  readonly builtIndexes: (IndexSpec & { table: string; by: string })[] = [];
  /** Constraint names of each physical table as this migration leaves them (see constraintNames.ts). */
  readonly constraintNames = new Map<string, TableNames>();
  /** The operation that makes each physical table's new primary key: a second one would add a second key in the same contract. */
  readonly keyMadeBy = new Map<string, string>();
  /**
   * Checks and foreign keys that operations add on columns that exist before the migration, by
   * physical table and columns: `what` says how, e.g. 'in the check "t_check" that operation 1 (addConstraint) adds'.
   */
  readonly constraintsAdded: { table: string; columns: string[]; what: string }[] = [];
  /** The first op.sql with `up` compiled so far ("operation 1 (sql)"): what it creates is not in the catalog the plan is made from. */
  rawSqlBefore?: string;
  /** The schema's enum types as this migration leaves them (see enumTypes.ts). */
  readonly enums: EnumShape[];
  private current = { index: 0, kind: '' };
  /** Relation names this migration creates. */
  private readonly claimed = new Set<string>();

  constructor(
    readonly catalog: Catalog,
    migration: string,
    versionSchema: string,
  ) {
    this.tables = catalog.tables.map((t) => ({
      name: t.name,
      physical: t.name,
      created: false,
      key: t.key,
      before: t,
      replicaIdentity: t.replicaIdentity ?? 'default',
      columns: t.columns.map((c) => ({ name: c.name, physical: c.name, type: c.type, nullable: c.nullable, added: false })),
    }));
    this.enums = (catalog.enums ?? []).map((e) => ({ name: e.name, values: [...e.values], created: false }));
    this.plan = {
      migration, schema: catalog.schema, versionSchema,
      expand: [], expandOnline: [], sync: [], views: [], hidden: [], validate: [], contract: [], contractOnline: [],
      rollbackOnline: [], rollback: [], warnings: [],
    };
  }

  get schema(): string {
    return this.catalog.schema;
  }

  at(index: number, operation: Operation): void {
    this.current = { index, kind: operation.kind };
  }

  /** Where the current operation is, for messages: "operation 2 (addColumn)". */
  get where(): string {
    return operationLabel(this.current.index, this.current.kind);
  }

  fail(message: string, hint?: string, details?: Record<string, unknown>): never {
    throw new MidairError(`${this.where}: ${message}`, hint, details);
  }

  q(physicalTable: string): string {
    return qualified(this.schema, physicalTable);
  }

  table(name: string, field = 'table'): TableShape {
    const table = this.tables.find((t) => t.name === name);
    if (!table) {
      const names = this.tables.map((t) => t.name);
      // The server checks can tell whether it is in another schema (the missingTable detail).
      this.fail(`${field} "${name}" does not exist in schema "${this.schema}"`, `${didYouMean(name, names)}tables in the new shape: ${names.join(', ') || 'none'}${this.madeByRawSql()}`, { missingTable: name });
    }
    return table;
  }

  column(table: TableShape, name: string, field = 'column'): ColumnShape {
    const column = table.columns.find((c) => c.name === name);
    if (!column) {
      const names = table.columns.map((c) => c.name);
      this.fail(`${field}: table "${table.name}" has no column "${name}"`, `${didYouMean(name, names)}its columns: ${names.join(', ')}${this.madeByRawSql()}`);
    }
    return column;
  }

  /** For a missing table or column: an earlier op.sql may create it, which the plan cannot see. */
  private madeByRawSql(): string {
    if (!this.rawSqlBefore) return '';
    return `; if ${this.rawSqlBefore} creates it: Midair plans every operation from the tables as they are before start, so it cannot change what an op.sql of the same migration creates; create it in a migration of its own, complete that, then change it in the next one`;
  }

  /**
   * Index names share the schema's namespace with every table, view and sequence: a build named
   * like an existing relation would be skipped (IF NOT EXISTS) and its rollback would drop the
   * user's own index, so such a name is refused up front.
   */
  claimRelationName(name: string): void {
    if ((this.catalog.relations ?? []).includes(name) || this.claimed.has(name)) {
      this.fail(`an index or table named "${name}" exists already`, 'give the index another name (the "name" field), or leave out what the existing index already provides');
    }
    this.claimed.add(name);
  }

  /**
   * Contract drops a replaced or dropped column with every index on it, so an index an earlier
   * operation builds on the column (a unique constraint, a new primary key) would be lost.
   */
  refuseIndexBuiltOn(table: TableShape, column: ColumnShape): void {
    const build = this.builtIndexes.find((b) => b.table === table.physical && (b.reads ?? b.columns).includes(column.physical));
    if (build) {
      this.fail(
        `column "${column.name}" is in the index "${build.name}" that ${build.by} builds; contract would drop that index with the column`,
        'change the column first (put this operation before the one that builds the index), or in another migration',
      );
    }
  }

  /** Records a constraint the current operation adds on columns, so that a later copy or drop of one is refused (refuseConstraintAddedOn). */
  recordConstraintOn(table: TableShape, columns: ColumnShape[], what: string): void {
    this.constraintsAdded.push({ table: table.physical, columns: columns.map((col) => col.physical), what: `${what} that ${this.where} adds` });
  }

  /**
   * Contract drops a replaced or dropped column with every constraint on it, so a check or foreign
   * key an earlier operation adds on the column (or referencing it) would be lost or make contract fail.
   */
  refuseConstraintAddedOn(table: TableShape, column: ColumnShape): void {
    const added = this.constraintsAdded.find((k) => k.table === table.physical && k.columns.includes(column.physical));
    if (added) {
      this.fail(
        `column "${column.name}" is ${added.what}; contract would drop that constraint with the column`,
        'give the constraint with the column change (alterColumn "check" or "references"), or add it in a migration of its own after this one completes',
      );
    }
  }

  requireNewColumnName(table: TableShape, name: string, field: string): void {
    if (table.columns.some((c) => c.name === name)) this.fail(`${field}: table "${table.name}" already has a column "${name}"`);
  }

  /** A physical column name that is free in the table. */
  physicalNameFor(table: TableShape, name: string): string {
    const taken = new Set([...(table.before?.columns.map((c) => c.name) ?? []), ...table.columns.map((c) => c.physical)]);
    if (!taken.has(name)) return name;
    let candidate = shortName('_midair_new', name);
    for (let i = 2; taken.has(candidate); i++) candidate = shortName(`_midair_new${i}`, name);
    return candidate;
  }

  /** The sync description of a physical table, created on first use. */
  sync(table: TableShape): TableSync {
    let sync = this.plan.sync.find((s) => s.table === table.physical);
    if (!sync) {
      if (table.keyDroppedBy) {
        this.fail(
          `table "${table.name}" must be synced by its key (${table.key.join(', ')}), and ${table.keyDroppedBy} at complete`,
          'drop that constraint in a migration of its own, after this one completes',
        );
      }
      if (table.key.length === 0) {
        this.fail(
          `table "${table.name}" has no primary key and no unique index over NOT NULL columns, so its rows cannot be walked and matched`,
          `add a primary key first, in a migration of its own (op.addConstraint with primaryKey)`,
        );
      }
      sync = { table: table.physical, key: table.key, up: [], fill: [], down: [], oldScope: [], newScope: [], newOnly: [] };
      this.plan.sync.push(sync);
    }
    return sync;
  }

  scopeOf(columns: ColumnShape[]): ScopeColumn[] {
    return columns.map((c) => ({ name: c.name, physical: c.physical, type: c.type, nullable: c.nullable }));
  }
}
