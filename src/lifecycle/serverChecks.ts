import type { Catalog, VolatileExpression } from '../catalog/read.js';
import { KeyRange, type Key } from '../backfill/keyRange.js';
import type { Queryable } from '../db/executor.js';
import { rolledBack } from '../db/rolledBack.js';
import { ident, qualified } from '../db/sql.js';
import { MidairError, MidairRefusal } from '../errors.js';
import { refuseDependents } from '../catalog/dependents.js';
import { staleTriggerBodies } from '../catalog/triggerBodies.js';
import { lastCompleted } from '../state/store.js';
import { refuseClaimed } from '../state/claims.js';
import { claimedTables } from '../migration/claims.js';
import type { Compiled } from '../migration/compile.js';
import { operationLabel, type Precondition, type Probe } from '../migration/compiler.js';
import type { LoadedMigration } from '../migration/load.js';
import { filledColumns, type Assignment, type Plan, type TableSync } from '../migration/plan.js';
import type { Migration } from '../migration/types.js';
import { closest } from '../migration/closest.js';
import { SHORT_TYPE_NAMES } from '../migration/typeNames.js';
import { compileLoaded } from './compileRecord.js';
import { typesCreatedBy } from '../operations/createEnum.js';
import type { Context } from './context.js';

/** How many real rows each `up` (and `down`, over their new shape) is evaluated on. */
const SAMPLE_ROWS = 1000;

/**
 * Everything `plan` and `start` check against the server before anything changes: the tables other
 * active migrations claim, what depends on what contract drops, then the rest in one transaction
 * that is always rolled back (a check may create a temporary view or table, and an expression may
 * call a function with side effects). Every query with user text carries a
 * parameter, so the extended protocol refuses a second statement even if one got through.
 * Returns the compiled plan and the catalog completed with what the server said (volatility),
 * which start stores with the migration.
 */
export async function compileChecked(ctx: Context, loaded: LoadedMigration, catalog: Catalog): Promise<Compiled & { catalog: Catalog }> {
  const source = loaded.file ?? `migration "${loaded.migration.name}"`;
  await refuseClaimed(ctx.db, catalog.schema, loaded.migration.name, claimedTables(loaded.migration));
  // Types the migration creates exist for every check (in transactions that are rolled back).
  const creations = typesCreatedBy(loaded.migration, catalog.schema);
  const created = creations.map((t) => t.sql);
  // Types first: compiling reads them ("integr" for an integer column looks like a type change).
  await rolledBack(ctx.db, (tx) => checkTypes(tx, loaded.migration, source, creations));
  const first = await compileOrPlace(ctx, loaded, catalog);
  const previous = (await lastCompleted(ctx.db, catalog.schema))?.versionSchema ?? null;
  await refuseDependents(ctx.db, catalog.schema, first.dropped, previous, source);
  const volatile = await rolledBack(ctx.db, async (tx) => {
    for (const statement of created) await tx.exec(statement);
    // Declarations first: a precondition evaluates a check or predicate over the existing rows.
    await checkDeclarations(tx, loaded.migration, first.plan, source);
    await checkPreconditions(tx, first.preconditions, source);
    const found: VolatileExpression[] = [];
    for (const sync of first.plan.sync) {
      const sample = new Sample(first.plan, catalog, sync);
      for (const a of filledColumns(sync)) await checkExpression(tx, sample, a, 'up', source);
      for (const a of sync.down) await checkExpression(tx, sample, a, 'down', source);
      const scopes = [...filledColumns(sync).map((a) => [a, `${sample.range.table} AS o`] as const), ...sync.down.map((a) => [a, sample.emptyNewRow] as const)];
      for (const [a, scope] of scopes) {
        const because = await volatility(tx, a, scope);
        if (because.length && !found.some((f) => f.expression === a.expression)) found.push({ expression: a.expression, because });
      }
    }
    return found;
  });
  await runProbes(ctx, first.probes.map((p) => ({ ...p, statements: [...created, ...p.statements] })), source);
  const checked = { ...catalog, volatile, staleTriggerBodies: await staleTriggerBodies(ctx.db, catalog, first.plan.views) };
  return { ...compileLoaded(loaded, checked), catalog: checked };
}

/** Compiles; a table missing from the schema but found in another is named with that schema. */
async function compileOrPlace(ctx: Context, loaded: LoadedMigration, catalog: Catalog): Promise<Compiled> {
  try {
    return compileLoaded(loaded, catalog);
  } catch (error) {
    const table = error instanceof MidairError ? error.details?.missingTable : undefined;
    if (typeof table !== 'string') throw error;
    const schemas = await ctx.db.query<{ schema: string }>(
      `SELECT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = $1 AND c.relkind IN ('r', 'p') AND n.nspname <> $2 AND n.nspname !~ '^(pg_|midair$|information_schema$)'
        ORDER BY n.nspname`,
      [table, catalog.schema],
    );
    if (schemas.length === 0) throw error;
    const names = schemas.map((s) => `"${s.schema}"`).join(', ');
    throw new MidairError(
      `${(error as MidairError).message}, but in schema ${names}`,
      `Midair changes the tables of one schema, set by \`schema\` in midair.config.ts ("${catalog.schema}" now): set schema: '${schemas[0]!.schema}' there to migrate "${table}"`,
    );
  }
}

/** Runs fn under a savepoint; a failure leaves the transaction usable and is returned. */
async function attempt(tx: Queryable, fn: () => Promise<unknown>): Promise<Error | null> {
  await tx.exec('SAVEPOINT midair_check');
  try {
    await fn();
    await tx.exec('RELEASE SAVEPOINT midair_check');
    return null;
  } catch (error) {
    await tx.exec('ROLLBACK TO SAVEPOINT midair_check');
    return error as Error;
  }
}

/** Every type a migration names exists in this database (the lexical check came first). */
async function checkTypes(tx: Queryable, migration: Migration, source: string, created: { index: number; sql: string }[]): Promise<void> {
  for (const t of created) {
    const failed = await attempt(tx, () => tx.exec(t.sql));
    if (failed) throw new MidairError(`${source}: ${operationLabel(t.index, 'createEnum')}: name: the type cannot be created: ${failed.message}`, 'choose another name (a table\'s row type, a domain or another type may hold it), or add values to an existing enum with op.addEnumValue');
  }
  const named: { where: string; field: string; type: string }[] = [];
  migration.operations.forEach((o, i) => {
    const where = operationLabel(i, o.kind);
    if (o.kind === 'addColumn') named.push({ where, field: 'column.type', type: o.column.type });
    if (o.kind === 'alterColumn' && o.type !== undefined) named.push({ where, field: 'type', type: o.type });
    if (o.kind === 'createTable') o.columns.forEach((c, k) => named.push({ where, field: `columns.${k}.type`, type: c.type }));
  });
  for (const n of named) {
    let known = false;
    // PostgreSQL 15 raises on a name it cannot parse where later versions return NULL.
    const failed = await attempt(tx, async () => {
      known = (await tx.query<{ oid: string | null }>('SELECT to_regtype($1)::oid AS oid', [n.type]))[0]?.oid != null;
    });
    if (failed || !known) {
      const meant = await closestType(tx, n.type);
      throw new MidairError(
        `${source}: ${n.where}: ${n.field}: "${n.type}" is not a type of this database`,
        `${meant ? `did you mean "${meant}"? ` : ''}check the spelling, the schema of a user-defined type, and that its extension is installed`,
      );
    }
  }
}

/** The type name a misspelt one most likely meant, with its modifier and brackets kept: "varchr(20)" -> "varchar(20)". */
async function closestType(tx: Queryable, type: string): Promise<string | null> {
  const base = type.replace(/\(.*?\)|\[\]/g, '').trim();
  const known = await tx.query<{ name: string }>(
    `SELECT DISTINCT name FROM pg_type t, LATERAL (VALUES (t.typname::text), (format_type(t.oid, NULL))) AS n (name)
      WHERE pg_type_is_visible(t.oid) AND t.typname !~ '^_' AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')`,
  );
  const meant = closest(base, [...known.map((k) => k.name), ...SHORT_TYPE_NAMES]);
  return meant && type.replace(base, meant);
}

const EXAMPLES = 5;

/** Refuses, with a few of the rows that break it, a constraint the online build would fail on. */
async function checkPreconditions(tx: Queryable, preconditions: Precondition[], source: string): Promise<void> {
  for (const p of preconditions) {
    const [row] = await tx.query<{ n: number; examples: string[] }>(
      `WITH v AS (${p.sql})
       SELECT (SELECT count(*) FROM v)::int AS n, (SELECT coalesce(jsonb_agg(example), '[]') FROM (SELECT example FROM v LIMIT ${EXAMPLES}) AS e) AS examples`,
    );
    const n = Number(row?.n ?? 0);
    if (n > 0) {
      const examples = row!.examples;
      throw new MidairRefusal('data', `${source}: ${p.failure(n)}; ${n > examples.length ? `the first ${examples.length}` : 'they are'}: ${examples.join('; ')}`, p.hint, { examples });
    }
  }
}

/** Statements that must work on the server (an index copy, a converted default), each tried in a transaction rolled back. */
async function runProbes(ctx: Context, probes: Probe[], source: string): Promise<void> {
  for (const p of probes) {
    const failure = await rolledBack(ctx.db, async (tx) => {
      for (const statement of p.statements) await tx.exec(statement);
    }).then(
      () => null,
      (error: unknown) => (error as Error).message,
    );
    if (failure !== null) throw new MidairError(`${source}: ${p.failure(failure)}`, p.hint);
  }
}

/**
 * Defaults, checks and index predicates parse and have the right type, each over a typed row
 * with no values (LIMIT 0: nothing is evaluated), so a mistake in one is reported naming its
 * field before start, instead of failing the expand transaction or an index build after it.
 */
async function checkDeclarations(tx: Queryable, migration: Migration, plan: Plan, source: string): Promise<void> {
  const rowOf = (table: string, names: 'name' | 'physical') => {
    const view = plan.views.find((v) => v.name === table) ?? plan.views.find((v) => v.physical === table);
    return view ? `(SELECT ${view.columns.map((c) => `NULL::${c.type} AS ${ident(c[names])}`).join(', ')}) AS r` : null;
  };
  const typeIn = (table: string, column: string) => plan.views.find((v) => v.name === table)?.columns.find((c) => c.name === column)?.type;
  const checks: { where: string; field: string; sql: string }[] = [];
  const defaultOf = (where: string, field: string, expression: string | null | undefined, type: string | undefined) => {
    if (expression && type) checks.push({ where, field, sql: `SELECT CAST((${expression}) AS ${type}) LIMIT $1` });
  };
  const condition = (where: string, field: string, expression: string | undefined, row: string | null) => {
    if (expression && row) checks.push({ where, field, sql: `SELECT FROM ${row} WHERE (${expression}) LIMIT $1` });
  };
  migration.operations.forEach((o, i) => {
    const where = operationLabel(i, o.kind);
    if (o.kind === 'addColumn') {
      defaultOf(where, 'column.default', o.column.default, o.column.type);
      condition(where, 'column.check', o.column.check, rowOf(o.table, 'name'));
    } else if (o.kind === 'alterColumn') {
      defaultOf(where, 'default', o.default, o.type ?? typeIn(o.table, o.name ?? o.column));
      condition(where, 'check', o.check, rowOf(o.table, 'name'));
    } else if (o.kind === 'createTable') {
      o.columns.forEach((c, k) => {
        defaultOf(where, `columns.${k}.default`, c.default, c.type);
        condition(where, `columns.${k}.check`, c.check, rowOf(o.name, 'name'));
      });
    } else if (o.kind === 'createIndex') {
      condition(where, 'where', o.where, rowOf(o.table, 'physical'));
      // Before the preconditions: a unique index's check for duplicates groups by its expressions.
      o.columns.forEach((e, k) => {
        const row = rowOf(o.table, 'physical');
        if (typeof e !== 'string' && e.expression && row) checks.push({ where, field: `columns.${k}.expression`, sql: `SELECT (${e.expression}) FROM ${row} LIMIT $1` });
      });
    } else if (o.kind === 'addConstraint') {
      // With up, the check goes on the column's copy, over the new shape's names.
      condition(where, 'check', o.check, rowOf(o.table, o.up || o.down ? 'name' : 'physical'));
    }
  });
  for (const c of checks) {
    const failed = await attempt(tx, () => tx.query(c.sql, [0]));
    if (failed) throw new MidairError(`${source}: ${c.where}: "${c.field}" fails: ${failed.message}`, 'a default is an expression of the column\'s type; a check or index predicate a boolean expression over the table\'s columns');
  }
}

/**
 * Rows of the sample in both shapes. `up` sees the old row (`o`); `down` sees the new row (`n`),
 * built from the old one: kept columns as they are, new columns from their `up`, others NULL.
 */
class Sample {
  readonly range: KeyRange;
  private readonly newColumns: string[];
  /** A typed row of the new shape with no values: what the volatility view is built over. */
  readonly emptyNewRow: string;

  constructor(plan: Plan, catalog: Catalog, readonly sync: TableSync) {
    const before = catalog.tables.find((t) => t.name === sync.table)!;
    const table = qualified(plan.schema, sync.table);
    this.range = new KeyRange(table, sync.key.map((name) => ({ name, type: before.columns.find((c) => c.name === name)!.type })));
    const up = new Map(filledColumns(sync).map((a) => [a.column, a.expression]));
    this.newColumns = sync.newScope.map((c) => {
      if (before.columns.some((b) => b.name === c.physical)) return `o.${ident(c.physical)} AS ${ident(c.name)}`;
      const expression = up.get(c.physical);
      return `${expression ? `CAST((${expression}) AS ${c.type})` : `NULL::${c.type}`} AS ${ident(c.name)}`;
    });
    this.emptyNewRow = `(SELECT ${sync.newScope.map((c) => `NULL::${c.type} AS ${ident(c.name)}`).join(', ')}) AS n`;
  }

  /** The FROM item of the sampled rows in one shape, or of the one row with `key`. */
  from(direction: 'up' | 'down', key?: Key): { sql: string; params: unknown[] } {
    const where = key ? `${this.range.tuple} = (${key.map((_, i) => `$${i + 2}::${this.range.columns[i]!.type}`).join(', ')})` : 'true';
    const old = `(SELECT * FROM ${this.range.table} WHERE ${where} ORDER BY ${this.range.tuple} LIMIT $1) AS o`;
    return { sql: direction === 'up' ? old : `(SELECT ${this.newColumns.join(', ')} FROM ${old}) AS n`, params: key ? [1, ...key] : [SAMPLE_ROWS] };
  }
}

/** The column as the user knows it: its name in the new shape (up) or the old one (down). */
function columnName(sync: TableSync, a: Assignment, direction: 'up' | 'down'): string {
  return (direction === 'up' ? sync.newScope : sync.oldScope).find((c) => c.physical === a.column)?.name ?? a.column;
}

/**
 * An expression evaluates over the sample, and what it gives can be stored in its column: the
 * insert into a temporary column of that type coerces as the sync trigger's and the backfill's
 * writes do, so an `up` of the wrong type fails here instead of in every old-release write.
 */
async function checkExpression(tx: Queryable, sample: Sample, a: Assignment, direction: 'up' | 'down', source: string): Promise<void> {
  const { sync } = sample;
  const target = (direction === 'up' ? sync.newScope : sync.oldScope).find((c) => c.physical === a.column)!;
  const column = columnName(sync, a, direction);
  const what = `${source}: ${a.source}: "${direction}" for "${sync.table}"."${column}"`;
  const over = direction === 'up' ? '"up" is an SQL expression over a row of the OLD shape (old column names)' : '"down" is an SQL expression over a row of the NEW shape (new column names)';
  const all = sample.from(direction);
  const evaluate = (from: { sql: string; params: unknown[] }) => tx.query(`SELECT (${a.expression}) FROM ${from.sql}`, from.params);
  const evaluated = await attempt(tx, () => evaluate(all));
  if (evaluated) throw new MidairError(`${what} fails${await failingRow(tx, sample, direction, evaluate)}: ${evaluated.message}`, over);

  // Named as the user's column, so the server's message about it reads right.
  await tx.exec(`CREATE TEMP TABLE midair_check (${ident(column)} ${target.type}) ON COMMIT DROP`);
  const insert = (from: { sql: string; params: unknown[] }) => tx.query(`INSERT INTO pg_temp.midair_check SELECT (${a.expression}) FROM ${from.sql}`, from.params);
  const stored = await attempt(tx, () => insert(all));
  if (stored) {
    throw new MidairError(
      `${what} does not give a value of type ${target.type}${await failingRow(tx, sample, direction, insert)}: ${stored.message}`,
      `${over}; its value must be of type ${target.type} (or convert to it on assignment): add a cast, e.g. (${a.expression})::${target.type}`,
    );
  }
  await tx.exec('DROP TABLE pg_temp.midair_check');
}

/** " on the row with id=2" for the first sampled row `run` fails on; "" when it fails without rows. */
async function failingRow(tx: Queryable, sample: Sample, direction: 'up' | 'down', run: (from: { sql: string; params: unknown[] }) => Promise<unknown>): Promise<string> {
  const all = sample.from(direction);
  if (await attempt(tx, () => run({ ...all, params: [0] }))) return '';
  const keys = await tx.query<{ key: Key }>(`SELECT ${sample.range.asText} AS key FROM ${sample.from('up').sql}`, [SAMPLE_ROWS]);
  for (const { key } of keys) {
    if (await attempt(tx, () => run(sample.from(direction, key)))) return ` on the row with ${sample.range.format(key)}`;
  }
  return '';
}

/** Calls whose value changes from one evaluation to the next although the row does not. */
const TIME_FUNCTIONS = ['now', 'transaction_timestamp', 'statement_timestamp'];
/** CURRENT_DATE & co. are no function calls in the tree: SQLValueFunction nodes, by op number (0-8; odd ones take a precision). */
const SQL_VALUE_FUNCTIONS = ['CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'CURRENT_TIMESTAMP', 'LOCALTIME', 'LOCALTIME', 'LOCALTIMESTAMP', 'LOCALTIMESTAMP'];

/**
 * What makes an expression give another value when evaluated again over the same row, as the
 * server sees it: a temporary view over the expression stores its parse tree, whose functions
 * and operators carry their volatility in pg_proc (built-in ones have no pg_depend entries, so
 * the tree is read itself). Volatile functions (random(), gen_random_uuid(), nextval(),
 * clock_timestamp(), user functions not declared otherwise), now() and CURRENT_TIMESTAMP & co.
 */
async function volatility(tx: Queryable, a: Assignment, scope: string): Promise<string[]> {
  await tx.exec(`CREATE TEMP VIEW midair_volatility AS SELECT (${a.expression}) AS v FROM ${scope}`);
  const [row] = await tx.query<{ because: string[] }>(
    `WITH tree AS (SELECT r.ev_action::text AS t FROM pg_rewrite r WHERE r.ev_class = to_regclass($1)),
          called AS (
            SELECT m[1]::oid AS proc FROM tree, regexp_matches(tree.t, ':(?:funcid|opfuncid|aggfnoid|winfnoid) (\\d+)', 'g') m
            UNION SELECT o.oprcode::oid FROM tree, regexp_matches(tree.t, ':opno (\\d+)', 'g') m JOIN pg_operator o ON o.oid = m[1]::oid)
     SELECT coalesce(array_agg(DISTINCT what ORDER BY what), '{}') AS because FROM (
       SELECT p.proname || '()' AS what FROM called JOIN pg_proc p ON p.oid = called.proc
        WHERE p.provolatile = 'v' OR p.proname = ANY ($2::text[])
       UNION ALL
       SELECT ($3::text[])[m[1]::int + 1] FROM tree, regexp_matches(tree.t, '\\{SQLVALUEFUNCTION :op ([0-8]) ', 'g') m
     ) x`,
    ['pg_temp.midair_volatility', TIME_FUNCTIONS, SQL_VALUE_FUNCTIONS],
  );
  await tx.exec('DROP VIEW pg_temp.midair_volatility');
  return row?.because ?? [];
}
