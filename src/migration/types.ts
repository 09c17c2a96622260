import type { MigrationPeople } from '../people/team.js';

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
  /** GENERATED ALWAYS | BY DEFAULT AS IDENTITY, with sequence options (see docs/operations.md). */
  identity?: Identity;
  /** GENERATED ALWAYS AS (expression) STORED: an SQL expression over the row (new tables only). */
  generated?: string;
  /** A collation name, e.g. "C", "und-x-icu". */
  collation?: string;
  comment?: string;
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

/** How an identity column gets its values: `always` refuses explicit ones (unless OVERRIDING SYSTEM VALUE). */
export type IdentityKind = 'always' | 'byDefault';

export type Identity =
  | IdentityKind
  | { generated: IdentityKind; start?: number; increment?: number; minValue?: number; maxValue?: number; cache?: number; cycle?: boolean };

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
  /** Turns an integer column (often a serial) into an identity column; the only change besides name and comment. */
  identity?: Identity;
  /** A new collation: the column is copied, its indexes rebuilt on the copy. */
  collation?: string;
  /** A new comment; null removes it. Alone it is a catalog-only change. */
  comment?: string | null;
}

export interface CreateTable {
  kind: 'createTable';
  name: string;
  columns: ColumnSpec[];
  /** Column names; `{ columns, name }` gives the constraint (and its index) a name. */
  primaryKey?: string[] | { columns: string[]; name: string };
  /** Table-level constraints, each with its name. */
  constraints?: TableConstraint[];
  /** Exclusion constraints, created with the table (it is new and empty: no lock on existing data). */
  exclusions?: (Exclusion & { name: string })[];
  /** The table's comment. */
  comment?: string;
}

/** The comment of an existing table, or of one of its columns; null removes it. */
export interface SetComment {
  kind: 'setComment';
  table: string;
  column?: string;
  comment: string | null;
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

/** One key of an index: a column or an expression, with how it is compared and ordered. */
export interface IndexElement {
  /** A column of the table (give this or expression). */
  column?: string;
  /** An SQL expression over the table's physical columns, e.g. "lower(email)". */
  expression?: string;
  /** Operator class, e.g. "text_pattern_ops", "gin_trgm_ops". */
  opclass?: string;
  /** Collation, e.g. "C". */
  collation?: string;
  order?: 'asc' | 'desc';
  nulls?: 'first' | 'last';
}

/** Storage parameters of an index (WITH (...)), e.g. { fillfactor: 70, deduplicate_items: false }. */
export type StorageParameters = Record<string, number | boolean | string>;

export interface CreateIndex {
  kind: 'createIndex';
  table: string;
  /** Column names, or elements with an expression, operator class, collation or order. */
  columns: (string | IndexElement)[];
  name?: string;
  unique?: boolean;
  /** Partial index predicate, over the table's physical columns. */
  where?: string;
  /** btree (default), hash, gin, gist, brin, spgist. */
  method?: string;
  /** Columns stored in the index but not part of its key (INCLUDE). */
  include?: string[];
  /** With unique: NULLs count as equal, so at most one row may hold NULL (PostgreSQL 15+). */
  nullsNotDistinct?: boolean;
  with?: StorageParameters;
}

/** An exclusion constraint: no two rows for which every element's operator holds. */
export interface Exclusion {
  /** Index method: gist (default) or spgist, btree, hash. */
  using?: string;
  elements: (IndexElement & { operator: string })[];
  /** Over the table's physical columns: only rows for which it is true are compared. */
  where?: string;
  include?: string[];
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
  /** With unique: columns stored in the constraint's index but not part of the key. */
  include?: string[];
  /** With unique: NULLs count as equal (PostgreSQL 15+). */
  nullsNotDistinct?: boolean;
  /** On a table this migration creates only: PostgreSQL builds it under ACCESS EXCLUSIVE on an existing one. */
  exclude?: Exclusion;
  foreignKey?: ForeignKeySpec;
  /** The columns of a primary key, for a table that has none (op.setPrimaryKey changes an existing one). */
  primaryKey?: string[];
  /** With up: the one column whose values up rewrites so that existing rows satisfy the constraint. */
  column?: string;
  up?: string;
  down?: string;
}

export interface DropConstraint {
  kind: 'dropConstraint';
  table: string;
  name: string;
  /** With down: one column of the constraint, which the new shape gets as a copy free of it. */
  column?: string;
  /** SQL over a row in the NEW shape giving the old column's value, one the constraint accepts (new-release writes). */
  down?: string;
}

export interface SetReplicaIdentity {
  kind: 'setReplicaIdentity';
  table: string;
  /** What logical decoding logs of an updated or deleted row's old values. */
  identity: 'default' | 'full' | 'nothing' | { index: string };
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
  | DropConstraint
  | SetReplicaIdentity
  | SetPrimaryKey
  | RawSql
  | CreateEnum
  | DropEnum
  | AddEnumValue
  | RenameEnumValue
  | SetComment;

/** A migration: its operations, and the people fields of docs/people.md (owners, rollbackAuthority, service, approvals). */
export interface Migration extends MigrationPeople {
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
