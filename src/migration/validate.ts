import { z } from 'zod';
import { MidairError } from '../errors.js';
import { migrationPeopleFields } from '../people/teamSchema.js';
import { checkExpression, checkTypeName, SqlTextProblem } from './sqlText.js';
import type { Migration } from './types.js';

/** A zod check from a lexical check: its SqlTextProblem becomes the field's message. */
function lexical(check: (text: string) => unknown) {
  return (text: string, ctx: z.RefinementCtx) => {
    try {
      check(text);
    } catch (error) {
      if (!(error instanceof SqlTextProblem)) throw error;
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(text)}: ${error.message}` });
    }
  };
}

const MAX_NAME_BYTES = 63;
// Names are always quoted; longer ones would be cut short by the server, and "$midair" is the
// dollar-quote tag of Midair's own function bodies, which hold names.
const name = z.string().min(1)
  .refine((s) => Buffer.byteLength(s) <= MAX_NAME_BYTES, `PostgreSQL names are at most ${MAX_NAME_BYTES} bytes`)
  .refine((s) => !s.includes('\0'), 'PostgreSQL names cannot hold a NUL character')
  .refine((s) => !s.includes('$midair'), '"$midair" is reserved for the quoting of Midair\'s own functions');
/** An SQL expression: Midair puts it inside parentheses, which it must not be able to leave. */
const sqlText = z.string().trim().min(1).superRefine(lexical(checkExpression));
const typeName = z.string().trim().min(1).superRefine(lexical(checkTypeName));
/** Raw SQL of the sql operation: run as written, by design. */
const rawSql = z.string().trim().min(1);
/** An enum label: PostgreSQL keeps at most 63 bytes of it (NAMEDATALEN). */
const label = z.string().min(1)
  .refine((s) => Buffer.byteLength(s) <= MAX_NAME_BYTES, `enum labels are at most ${MAX_NAME_BYTES} bytes`)
  .refine((s) => !s.includes('\0'), 'enum labels cannot hold a NUL character');
const labels = z.array(label).min(1, 'an enum needs at least one value').superRefine((values, ctx) => {
  const twice = values.find((v, i) => values.indexOf(v) !== i);
  if (twice !== undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(twice)} is listed twice; each value of an enum is unique` });
});
const foreignKeyAction = z.enum(['NO ACTION', 'RESTRICT', 'CASCADE', 'SET NULL', 'SET DEFAULT']);
const foreignKeyOptions = {
  onDelete: foreignKeyAction.optional(),
  onUpdate: foreignKeyAction.optional(),
  match: z.enum(['SIMPLE', 'FULL'], {
    error: (issue) => (issue.input === 'PARTIAL' ? 'MATCH PARTIAL is not implemented by PostgreSQL: use "SIMPLE" or "FULL"' : undefined),
  }).optional(),
  deferrable: z.boolean().optional(),
  initiallyDeferred: z.boolean().optional(),
};
const references = z.strictObject({ table: name, column: name, name: name.optional(), ...foreignKeyOptions });
const foreignKey = z.strictObject({ columns: z.array(name).min(1), references: z.strictObject({ table: name, columns: z.array(name).min(1) }), ...foreignKeyOptions });
const unique = z.union([z.boolean(), z.strictObject({ name })], { error: 'give true, or { name } to name the constraint' });
const check = z.union([sqlText, z.strictObject({ expression: sqlText, name })], { error: 'give an SQL expression, or { expression, name } to name the constraint' });
const sequenceNumber = z.number().int().safe();
const identityKind = z.enum(['always', 'byDefault']);
const identity = z.union([
  identityKind,
  z.strictObject({
    generated: identityKind, start: sequenceNumber.optional(), increment: sequenceNumber.refine((n) => n !== 0, 'increment cannot be 0').optional(),
    minValue: sequenceNumber.optional(), maxValue: sequenceNumber.optional(), cache: sequenceNumber.positive().optional(), cycle: z.boolean().optional(),
  }),
]);
const comment = z.string().refine((s) => !s.includes('\0'), 'PostgreSQL text cannot hold a NUL character');
/** A column of addColumn and createTable. */
export const columnSchema = z.strictObject({
  name,
  type: typeName,
  nullable: z.boolean().optional(),
  default: sqlText.optional(),
  unique: unique.optional(),
  check: check.optional(),
  references: references.optional(),
  identity: identity.optional(),
  generated: sqlText.optional(),
  collation: name.optional(),
  comment: comment.optional(),
});

const opclass = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'an operator class is a name such as text_pattern_ops or myschema.my_ops');
const elementFields = {
  column: name.optional(), expression: sqlText.optional(), opclass: opclass.optional(), collation: name.optional(),
  order: z.enum(['asc', 'desc']).optional(), nulls: z.enum(['first', 'last']).optional(),
};
const oneOfColumnOrExpression = [(e: { column?: string; expression?: string }) => (e.column === undefined) !== (e.expression === undefined), 'give either "column" or "expression"'] as const;
const indexElement = z.strictObject(elementFields).refine(...oneOfColumnOrExpression);
const storageParameters = z.record(
  z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a storage parameter is a lower-case name such as fillfactor'),
  z.union([z.number().finite(), z.boolean(), z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a storage parameter value is a number, a boolean or a word')]),
);
const exclusion = z.strictObject({
  using: z.enum(['gist', 'spgist', 'btree', 'hash']).optional(),
  elements: z.array(z.strictObject({
    ...elementFields,
    // "--" and "/*" would start a comment, not an operator.
    operator: z.string().regex(/^[-+*/<>=~!@#%^&|`?]{1,63}$/, 'an operator such as &&, = or <>').refine((o) => !o.includes('--') && !o.includes('/*'), 'an operator cannot hold "--" or "/*"'),
  }).refine(...oneOfColumnOrExpression)).min(1),
  where: sqlText.optional(),
  include: z.array(name).min(1).optional(),
});
const primaryKey = z.union([z.array(name).min(1), z.strictObject({ columns: z.array(name).min(1), name })], { error: 'give column names, or { columns, name } to name the constraint' });
const tableConstraint = z.strictObject({ name, check: sqlText.optional(), unique: z.array(name).min(1).optional(), foreignKey: foreignKey.optional() });

/** Every operation and its fields (docs/operations.md documents each; test/operationsDoc.test.ts checks it). */
export const operationSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('addColumn'), table: name, column: columnSchema, up: sqlText.optional() }),
  z.strictObject({ kind: z.literal('dropColumn'), table: name, column: name, down: sqlText.optional() }),
  z.strictObject({ kind: z.literal('renameColumn'), table: name, from: name, to: name }),
  z.strictObject({
    kind: z.literal('alterColumn'), table: name, column: name, name: name.optional(), type: typeName.optional(),
    nullable: z.boolean().optional(), default: sqlText.nullable().optional(), unique: unique.optional(),
    check: check.optional(), references: references.optional(), up: sqlText.optional(), down: sqlText.optional(),
    identity: identity.optional(), collation: name.optional(), comment: comment.nullable().optional(),
  }),
  z.strictObject({
    kind: z.literal('createTable'), name, columns: z.array(columnSchema).min(1), primaryKey: primaryKey.optional(),
    constraints: z.array(tableConstraint).optional(), exclusions: z.array(exclusion.extend({ name })).min(1).optional(), comment: comment.optional(),
  }),
  z.strictObject({ kind: z.literal('dropTable'), name }),
  z.strictObject({ kind: z.literal('renameTable'), from: name, to: name }),
  z.strictObject({
    kind: z.literal('createIndex'), table: name, columns: z.array(z.union([name, indexElement])).min(1), name: name.optional(),
    unique: z.boolean().optional(), where: sqlText.optional(), method: z.enum(['btree', 'hash', 'gin', 'gist', 'brin', 'spgist']).optional(),
    include: z.array(name).min(1).optional(), nullsNotDistinct: z.boolean().optional(), with: storageParameters.optional(),
  }),
  z.strictObject({ kind: z.literal('dropIndex'), table: name, name }),
  z.strictObject({
    kind: z.literal('addConstraint'), table: name, name, check: sqlText.optional(), unique: z.array(name).min(1).optional(),
    include: z.array(name).min(1).optional(), nullsNotDistinct: z.boolean().optional(), exclude: exclusion.optional(),
    foreignKey: foreignKey.optional(),
    primaryKey: z.array(name).min(1).optional(),
    column: name.optional(), up: sqlText.optional(), down: sqlText.optional(),
  }),
  z.strictObject({ kind: z.literal('renameConstraint'), table: name, from: name, to: name }),
  z.strictObject({ kind: z.literal('dropConstraint'), table: name, name, column: name.optional(), down: sqlText.optional() }),
  z.strictObject({
    kind: z.literal('setReplicaIdentity'), table: name,
    identity: z.union([z.enum(['default', 'full', 'nothing']), z.strictObject({ index: name })], { error: 'use "default", "full", "nothing" or { index: "<a unique index>" }' }),
  }),
  z.strictObject({ kind: z.literal('setPrimaryKey'), table: name, columns: z.array(name).min(1), name: name.optional() }),
  z.strictObject({ kind: z.literal('sql'), up: rawSql.optional(), down: rawSql.optional(), onComplete: rawSql.optional() })
    .refine((o) => o.up !== undefined || o.onComplete !== undefined, { message: 'op.sql needs "up" (run at start), "onComplete" (run at complete) or both' })
    .refine((o) => o.down === undefined || o.up !== undefined, { message: '"down" undoes "up" on rollback, and there is no "up": leave "down" out', path: ['down'] }),
  z.strictObject({ kind: z.literal('createEnum'), name, values: labels }),
  z.strictObject({ kind: z.literal('dropEnum'), name }),
  z.strictObject({ kind: z.literal('addEnumValue'), enum: name, value: label, before: label.optional(), after: label.optional() }),
  z.strictObject({ kind: z.literal('renameEnumValue'), enum: name, from: label, to: label }),
  z.strictObject({ kind: z.literal('setComment'), table: name, column: name.optional(), comment: comment.nullable() }),
]);

const migration = z.strictObject({
  name: z.string().regex(/^[a-z0-9_]{1,40}$/, 'use 1 to 40 lower-case letters, digits or underscores (it names a schema)'),
  description: z.string().optional(),
  lazy: z.boolean().optional(),
  ...migrationPeopleFields,
  operations: z.array(operationSchema).min(1, 'a migration needs at least one operation'),
});

function describePath(path: PropertyKey[]): string {
  if (path[0] === 'operations' && typeof path[1] === 'number') {
    const rest = path.slice(2).join('.');
    return `operation ${path[1] + 1}${rest ? `, field "${rest}"` : ''}`;
  }
  return path.length ? `field "${path.join('.')}"` : 'the default export';
}

/** Checks a migration's structure; `source` (a file path) is named in every message. */
export function validateMigration(value: unknown, source: string): Migration {
  const result = migration.safeParse(value);
  if (result.success) return result.data as Migration;
  const issues = result.error.issues.map((issue) => `${describePath(issue.path)}: ${issue.message}`);
  throw new MidairError(`${source}: invalid migration: ${issues.join('; ')}`, 'fix the migration file; see docs/operations.md for each operation\'s fields');
}
