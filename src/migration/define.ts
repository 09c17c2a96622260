import type {
  AddColumn, AddConstraint, AddEnumValue, AlterColumn, CreateEnum, CreateIndex, CreateTable, DropColumn, DropConstraint, DropEnum, DropIndex, DropTable,
  Migration, RawSql, RenameColumn, RenameConstraint, RenameEnumValue, RenameTable, SetComment, SetPrimaryKey, SetReplicaIdentity,
} from './types.js';

type Args<T> = Omit<T, 'kind'>;

/** The operation builders used in migration files: `op.addColumn({...})` and so on. */
export const op = {
  addColumn: (args: Args<AddColumn>): AddColumn => ({ kind: 'addColumn', ...args }),
  dropColumn: (args: Args<DropColumn>): DropColumn => ({ kind: 'dropColumn', ...args }),
  renameColumn: (args: Args<RenameColumn>): RenameColumn => ({ kind: 'renameColumn', ...args }),
  alterColumn: (args: Args<AlterColumn>): AlterColumn => ({ kind: 'alterColumn', ...args }),
  createTable: (args: Args<CreateTable>): CreateTable => ({ kind: 'createTable', ...args }),
  dropTable: (args: Args<DropTable>): DropTable => ({ kind: 'dropTable', ...args }),
  renameTable: (args: Args<RenameTable>): RenameTable => ({ kind: 'renameTable', ...args }),
  createIndex: (args: Args<CreateIndex>): CreateIndex => ({ kind: 'createIndex', ...args }),
  dropIndex: (args: Args<DropIndex>): DropIndex => ({ kind: 'dropIndex', ...args }),
  addConstraint: (args: Args<AddConstraint>): AddConstraint => ({ kind: 'addConstraint', ...args }),
  renameConstraint: (args: Args<RenameConstraint>): RenameConstraint => ({ kind: 'renameConstraint', ...args }),
  dropConstraint: (args: Args<DropConstraint>): DropConstraint => ({ kind: 'dropConstraint', ...args }),
  setReplicaIdentity: (args: Args<SetReplicaIdentity>): SetReplicaIdentity => ({ kind: 'setReplicaIdentity', ...args }),
  setPrimaryKey: (args: Args<SetPrimaryKey>): SetPrimaryKey => ({ kind: 'setPrimaryKey', ...args }),
  sql: (args: Args<RawSql>): RawSql => ({ kind: 'sql', ...args }),
  createEnum: (args: Args<CreateEnum>): CreateEnum => ({ kind: 'createEnum', ...args }),
  dropEnum: (args: Args<DropEnum>): DropEnum => ({ kind: 'dropEnum', ...args }),
  addEnumValue: (args: Args<AddEnumValue>): AddEnumValue => ({ kind: 'addEnumValue', ...args }),
  renameEnumValue: (args: Args<RenameEnumValue>): RenameEnumValue => ({ kind: 'renameEnumValue', ...args }),
  setComment: (args: Args<SetComment>): SetComment => ({ kind: 'setComment', ...args }),
};

/** The default export of a migration file. Validation happens when Midair loads it. */
export function defineMigration(migration: Migration): Migration {
  return migration;
}
