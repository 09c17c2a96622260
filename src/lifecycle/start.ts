import { refuseDependents } from '../catalog/dependents.js';
import { readCatalog } from '../catalog/read.js';
import { ident, qualified } from '../db/sql.js';
import { MidairError, MidairRefusal } from '../errors.js';
import type { Precondition, Probe } from '../migration/compiler.js';
import type { LoadedMigration } from '../migration/load.js';
import { filledColumns, type Plan } from '../migration/plan.js';
import { move } from '../stages/machine.js';
import { NEXT_STEP } from '../stages/stage.js';
import { claimedTables } from '../migration/claims.js';
import { claimTables, conflictingClaims, refuseConflicts } from '../state/claims.js';
import { activeMigrations, insertMigration, lastCompleted, latestByName } from '../state/store.js';
import { withOperatorLock } from '../state/operatorLock.js';
import type { Context } from './context.js';
import { compileLoaded, compileRecord } from './compileRecord.js';
import { runOnline, runTransaction } from './runSteps.js';

export interface StartResult {
  migration: string;
  stage: 'expanded';
  versionSchema: string;
  /** True when the migration had been started already (a re-run finishes or confirms it). */
  resumed: boolean;
  warnings: string[];
}

const EXAMPLES = 5;

/** Refuses, with a few of the rows that break it, a constraint the online build would fail on. */
async function checkPreconditions(ctx: Context, preconditions: Precondition[], source: string): Promise<void> {
  for (const p of preconditions) {
    const [row] = await ctx.db.query<{ n: number; examples: string[] }>(
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

class ProbeDone extends Error {}

async function runProbes(ctx: Context, probes: Probe[], source: string): Promise<void> {
  for (const p of probes) {
    const failure = await ctx.db
      .transaction(async (tx) => {
        for (const statement of p.statements) await tx.exec(statement);
        throw new ProbeDone();
      })
      .then(
        () => null,
        (error: unknown) => (error instanceof ProbeDone ? null : (error as Error).message),
      );
    if (failure !== null) throw new MidairError(`${source}: ${p.failure(failure)}`, p.hint);
  }
}

/**
 * Evaluates every up and down expression before anything changes, so a typo or a type error is
 * reported against its operation instead of breaking the application's writes through the trigger.
 * up runs over a sample of real rows; down over a typed empty row of the new shape.
 */
async function dryRun(ctx: Context, plan: Plan, source: string): Promise<void> {
  for (const sync of plan.sync) {
    const table = qualified(plan.schema, sync.table);
    for (const a of filledColumns(sync)) {
      try {
        await ctx.db.query(`SELECT (${a.expression}) FROM (SELECT * FROM ${table} LIMIT 1000) AS sample`);
      } catch (error) {
        throw new MidairError(`${source}: ${a.source}: "up" for "${sync.table}"."${a.column}" fails: ${(error as Error).message}`, '"up" is an SQL expression over a row of the OLD shape (old column names)');
      }
    }
    const typedRow = sync.newScope.map((c) => `NULL::${c.type} AS ${ident(c.name)}`).join(', ');
    for (const a of sync.down) {
      try {
        await ctx.db.query(`SELECT (${a.expression}) FROM (SELECT ${typedRow}) AS n`);
      } catch (error) {
        throw new MidairError(`${source}: ${a.source}: "down" for "${sync.table}"."${a.column}" fails: ${(error as Error).message}`, '"down" is an SQL expression over a row of the NEW shape (new column names)');
      }
    }
  }
}

/** Expand: additive, catalog-only changes in one transaction, then online index builds. */
export async function startMigration(ctx: Context, loaded: LoadedMigration): Promise<StartResult> {
  const { db, settings } = ctx;
  const m = loaded.migration;
  const source = loaded.file ?? `migration "${m.name}"`;
  return withOperatorLock(db, 'start', m.name, async () => {
    const active = (await activeMigrations(db, settings.schema)).find((a) => a.name === m.name);
    if (active?.stage === 'rolling_back') throw new MidairRefusal('stage', `migration "${m.name}" is being rolled back`, NEXT_STEP.rolling_back);
    let record = active;
    let resumed = true;
    if (!record) {
      resumed = false;
      const previous = await latestByName(db, m.name);
      if (previous?.stage === 'complete') throw new MidairRefusal('stage', `migration "${m.name}" is complete already`, 'give the new change a new name');
      const catalog = await readCatalog(db, settings.schema);
      const { plan, preconditions, probes, dropped } = compileLoaded(loaded, catalog);
      await refuseDependents(db, settings.schema, dropped, (await lastCompleted(db, settings.schema))?.versionSchema ?? null, source);
      const tables = claimedTables(m);
      refuseConflicts(await conflictingClaims(db, settings.schema, m.name, tables), m.name);
      await checkPreconditions(ctx, preconditions, source);
      await runProbes(ctx, probes, source);
      await dryRun(ctx, plan, source);
      ctx.report.step(`expanding: ${plan.expand.length} catalog-only statements in one transaction`);
      await runTransaction(db, plan.expand, settings, 'start', async (tx) => {
        const id = await insertMigration(tx, { name: m.name, schema: settings.schema, versionSchema: plan.versionSchema, definition: m, catalog, checksum: loaded.checksum, file: loaded.file });
        await claimTables(tx, settings.schema, { id, name: m.name }, tables);
      });
      record = (await latestByName(db, m.name))!;
    } else if (record.checksum !== loaded.checksum) {
      ctx.report.warn(`the file of "${m.name}" changed since it was started; Midair goes on with the definition it started with`);
    }
    const plan = compileRecord(record);
    if (record.stage === 'expanding') {
      if (plan.expandOnline.length) ctx.report.step(`building ${plan.expandOnline.length} index(es) concurrently`);
      await runOnline(db, plan.expandOnline, settings, 'start (index builds)', settings.schema);
      await move(db, record, plan, 'expanded');
    }
    for (const w of plan.warnings) ctx.report.warn(w);
    return { migration: m.name, stage: 'expanded', versionSchema: record.versionSchema, resumed, warnings: plan.warnings };
  });
}
