import type { Catalog, CatalogTable } from '../catalog/read.js';
import { qualified } from '../db/sql.js';
import { MidairError } from '../errors.js';
import type { Operation } from './types.js';
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
}

/** A check run against the data before anything changes; `sql` returns a count. */
export interface Precondition {
  sql: string;
  failure: (count: number) => string;
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
  /** Contract steps that need the final column names (run after renames). */
  readonly afterRename: Step[] = [];
  private current = { index: 0, kind: '' };

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
      columns: t.columns.map((c) => ({ name: c.name, physical: c.name, type: c.type, nullable: c.nullable, added: false })),
    }));
    this.plan = {
      migration, schema: catalog.schema, versionSchema,
      expand: [], expandOnline: [], sync: [], views: [], validate: [], contract: [], contractOnline: [],
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
    return `operation ${this.current.index + 1} (${this.current.kind})`;
  }

  fail(message: string, hint?: string): never {
    throw new MidairError(`${this.where}: ${message}`, hint);
  }

  q(physicalTable: string): string {
    return qualified(this.schema, physicalTable);
  }

  table(name: string, field = 'table'): TableShape {
    const table = this.tables.find((t) => t.name === name);
    if (!table) {
      const known = this.tables.map((t) => t.name).join(', ') || 'none';
      this.fail(`${field} "${name}" does not exist in schema "${this.schema}"`, `tables in the new shape: ${known}`);
    }
    return table;
  }

  column(table: TableShape, name: string, field = 'column'): ColumnShape {
    const column = table.columns.find((c) => c.name === name);
    if (!column) {
      this.fail(`${field}: table "${table.name}" has no column "${name}"`, `its columns: ${table.columns.map((c) => c.name).join(', ')}`);
    }
    return column;
  }

  requireNewColumnName(table: TableShape, name: string, field: string): void {
    if (table.columns.some((c) => c.name === name)) this.fail(`${field}: table "${table.name}" already has a column "${name}"`);
  }

  /** A physical column name that is free in the table. */
  physicalNameFor(table: TableShape, name: string): string {
    const taken = new Set([...(table.before?.columns.map((c) => c.name) ?? []), ...table.columns.map((c) => c.physical)]);
    if (!taken.has(name)) return name;
    let candidate = `_midair_new_${name}`;
    for (let i = 2; taken.has(candidate); i++) candidate = `_midair_new${i}_${name}`;
    return candidate.slice(0, 63);
  }

  /** The sync description of a physical table, created on first use. */
  sync(table: TableShape): TableSync {
    let sync = this.plan.sync.find((s) => s.table === table.physical);
    if (!sync) {
      if (table.key.length === 0) {
        this.fail(
          `table "${table.name}" has no primary key and no unique index over NOT NULL columns, so its rows cannot be walked and matched`,
          `add a primary key first (a migration with op.addConstraint unique on NOT NULL columns, or op.sql)`,
        );
      }
      sync = { table: table.physical, key: table.key, up: [], fill: [], down: [], oldScope: [], newScope: [] };
      this.plan.sync.push(sync);
    }
    return sync;
  }

  scopeOf(columns: ColumnShape[]): ScopeColumn[] {
    return columns.map((c) => ({ name: c.name, physical: c.physical, type: c.type }));
  }
}
