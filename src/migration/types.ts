/** A column as declared by addColumn, createTable and (partly) alterColumn. */
export interface ColumnSpec {
  name: string;
  /** Any PostgreSQL type, e.g. "text", "integer", "numeric(10,2)". */
  type: string;
  /** Defaults to true. */
  nullable?: boolean;
  /** An SQL expression, e.g. "0", "now()", "'active'". */
  default?: string;
  /** `true` names it `<table>_<column>_key`; `{ name }` gives the name. */
  unique?: UniqueSpec;
  /** An SQL boolean expression over the new shape, e.g. "price_cents >= 0"; `{ expression, name }` gives the name. */
  check?: CheckSpec;
  references?: ForeignKeyTarget;
}

export type UniqueSpec = boolean | { name: string };
export type CheckSpec = string | { expression: string; name: string };

export type ForeignKeyAction = 'NO ACTION' | 'RESTRICT' | 'CASCADE' | 'SET NULL' | 'SET DEFAULT';

/** What a foreign key does and when it is checked, wherever one is declared. */
export interface ForeignKeyOptions {
  onDelete?: ForeignKeyAction;
  onUpdate?: ForeignKeyAction;
  /** SIMPLE (default): a key with any NULL references nothing. FULL: all NULL or none. */
  match?: 'SIMPLE' | 'FULL';
  deferrable?: boolean;
  /** Implies deferrable. */
  initiallyDeferred?: boolean;
}

export interface ForeignKeyTarget extends ForeignKeyOptions {
  table: string;
  column: string;
  /** The constraint's name; default `<table>_<column>_fkey`. */
  name?: string;
}

/** A multi-column foreign key (addConstraint, createTable constraints). */
export interface ForeignKeySpec extends ForeignKeyOptions {
  columns: string[];
  references: { table: string; columns: string[] };
}

/** A table-level constraint of createTable: exactly one of check, unique, foreignKey. */
export interface TableConstraint {
  name: string;
  check?: string;
  unique?: string[];
  foreignKey?: ForeignKeySpec;
}

export interface AddColumn {
  kind: 'addColumn';
  table: string;
  column: ColumnSpec;
  /** SQL over a row in the OLD shape giving the new column's value (existing rows, old-release writes). */
  up?: string;
}

export interface DropColumn {
  kind: 'dropColumn';
  table: string;
  column: string;
  /** SQL over a row in the NEW shape giving the dropped column's value (new-release writes). */
  down?: string;
}

export interface RenameColumn {
  kind: 'renameColumn';
  table: string;
  from: string;
  to: string;
}

export interface AlterColumn {
  kind: 'alterColumn';
  table: string;
  column: string;
  /** New name. */
  name?: string;
  type?: string;
  nullable?: boolean;
  /** New default expression; null removes the default. */
  default?: string | null;
  unique?: UniqueSpec;
  check?: CheckSpec;
  references?: ForeignKeyTarget;
  up?: string;
  down?: string;
}

export interface CreateTable {
  kind: 'createTable';
  name: string;
  columns: ColumnSpec[];
  /** Column names; `{ columns, name }` gives the constraint (and its index) a name. */
  primaryKey?: string[] | { columns: string[]; name: string };
  /** Table-level constraints, each with its name. */
  constraints?: TableConstraint[];
}

export interface DropTable {
  kind: 'dropTable';
  name: string;
}

export interface RenameTable {
  kind: 'renameTable';
  from: string;
  to: string;
}

export interface CreateIndex {
  kind: 'createIndex';
  table: string;
  columns: string[];
  name?: string;
  unique?: boolean;
  /** Partial index predicate, over the table's physical columns. */
  where?: string;
  /** btree (default), hash, gin, gist, brin, spgist. */
  method?: string;
}

export interface DropIndex {
  kind: 'dropIndex';
  table: string;
  name: string;
}

export interface RenameConstraint {
  kind: 'renameConstraint';
  table: string;
  from: string;
  to: string;
}

export interface AddConstraint {
  kind: 'addConstraint';
  table: string;
  name: string;
  check?: string;
  unique?: string[];
  foreignKey?: ForeignKeySpec;
  /** The columns of a primary key, for a table that has none (op.setPrimaryKey changes an existing one). */
  primaryKey?: string[];
  /** With up: the one column whose values up rewrites so that existing rows satisfy the constraint. */
  column?: string;
  up?: string;
  down?: string;
}

/** Changes which columns form a table's primary key. */
export interface SetPrimaryKey {
  kind: 'setPrimaryKey';
  table: string;
  /** The new key's columns, in order. */
  columns: string[];
  /** The new constraint's name; by default the current primary key's name. */
  name?: string;
}

export interface RawSql {
  kind: 'sql';
  /** Runs at start, in the expand transaction. At least one of `up` and `onComplete` is required. */
  up?: string;
  /** Undoes `up` on rollback; without it rollback refuses unless forced, and leaves `up`'s effect in place. */
  down?: string;
  /** Runs at complete, in the contract transaction. */
  onComplete?: string;
}

export interface CreateEnum {
  kind: 'createEnum';
  name: string;
  /** Labels in sort order. */
  values: string[];
}

export interface DropEnum {
  kind: 'dropEnum';
  name: string;
}

export interface AddEnumValue {
  kind: 'addEnumValue';
  enum: string;
  value: string;
  /** Place it before this existing label (else after `after`, else last). */
  before?: string;
  after?: string;
}

export interface RenameEnumValue {
  kind: 'renameEnumValue';
  enum: string;
  from: string;
  to: string;
}

export type Operation =
  | AddColumn
  | DropColumn
  | RenameColumn
  | AlterColumn
  | CreateTable
  | DropTable
  | RenameTable
  | CreateIndex
  | DropIndex
  | RenameConstraint
  | AddConstraint
  | SetPrimaryKey
  | RawSql
  | CreateEnum
  | DropEnum
  | AddEnumValue
  | RenameEnumValue;

export interface Migration {
  name: string;
  description?: string;
  /**
   * Lazy (user-driven) migration: the new shape may be used before any backfill. A row not yet
   * migrated is upcast on read, a write through either shape migrates it, and `midair backfill`
   * moves the rest when the team chooses. See docs/lazy.md.
   */
  lazy?: boolean;
  operations: Operation[];
}
