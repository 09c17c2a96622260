import { lazyProgress, type LazyTableProgress } from '../backfill/lazyProgress.js';
import type { Queryable } from '../db/executor.js';
import { compileRecord } from './compileRecord.js';
import { filledColumns, type Plan } from '../migration/plan.js';
import { searchPathOf } from '../migration/versionSchema.js';
import { nothingToVerify } from '../stages/gates/verified.js';
import { nextStep, type NextStepInput } from '../stages/nextStep.js';
import { readEvidence, type Evidence } from '../stages/evidence.js';
import type { TrafficBounds } from '../stages/gate.js';
import { activeMigrations, history, lastCompleted, type Killed, type MigrationRecord, type Stage } from '../state/store.js';

/** An application instance that routes a migration through the Midair client. */
export interface InstanceStatus {
  service: string;
  id: string;
  /** The stage and ramp percentage it applies (as of its last report). */
  stage: Stage;
  rampPercent: number;
  lastSeen: string;
  /** The last time it served a read or write from the old shape, or null. */
  oldUsedAt: string | null;
}

/** Where a migration's traffic is: ramp, kill switch, canary sets, instances, and the last window's evidence. */
export interface TrafficStatus {
  rampPercent: number;
  rampChangedAt: string;
  killed: Killed | null;
  /** Canary set name -> number of keys. */
  canary: Record<string, number>;
  /** Most recently seen first. */
  instances: InstanceStatus[];
  /** The clients' reports over the last traffic.windowSeconds, in the current stage. */
  window: Evidence;
}

export interface ActiveStatus {
  name: string;
  stage: Stage;
  startedAt: string;
  stageChangedAt: string;
  versionSchema: string;
  backfill: { table: string; rowsDone: number; rowsTotal: number; done: boolean; updatedAt: string }[];
  lastVerification: null | { at: string; rowsChecked: number; mismatches: number; unsynced: number };
  traffic: TrafficStatus;
  /** A lazy migration's rows moved to the new shape, per table (null for a migration that is not lazy). */
  lazy: LazyTableProgress[] | null;
  /** The command that moves it on from here (or what to wait for). */
  next: string;
}

export interface StatusResult {
  schema: string;
  /** The schema's active migrations, oldest first. */
  active: ActiveStatus[];
  /** What new-release clients put in their search_path now. */
  latestSearchPath: string;
  migrations: { name: string; stage: Stage; startedAt: string; endedAt: string | null }[];
}

/**
 * The search_path of the new release: the version schema of every active migration, newest first
 * (each shows only the tables its migration changes, and they change different tables), then the
 * base schema for every other table, function and type. With none active, the last completed
 * one's version schema stays first, so clients deployed with it keep resolving the same names.
 */
export async function latestSearchPath(db: Queryable, schema: string): Promise<string> {
  const active = (await activeMigrations(db, schema)).filter((m) => m.stage !== 'rolling_back');
  const versionSchemas = active.length ? active.reverse().map((m) => m.versionSchema) : [(await lastCompleted(db, schema))?.versionSchema].filter((s): s is string => Boolean(s));
  return searchPathOf(versionSchemas, schema);
}

async function trafficStatus(db: Queryable, m: MigrationRecord, bounds: TrafficBounds): Promise<TrafficStatus> {
  const sets = await db.query<{ set: string; n: number }>('SELECT set_name AS set, count(*)::int AS n FROM midair.canary_keys WHERE migration_id = $1 GROUP BY set_name ORDER BY set_name', [m.id]);
  const instances = await db.query<InstanceStatus>(
    `SELECT service, instance_id AS id, stage, ramp_percent::float8 AS "rampPercent", last_seen::text AS "lastSeen", old_used_at::text AS "oldUsedAt"
       FROM midair.client_instances WHERE migration_id = $1 ORDER BY last_seen DESC, instance_id`,
    [m.id],
  );
  return {
    rampPercent: m.rampPercent,
    rampChangedAt: m.rampChangedAt,
    killed: m.killed,
    canary: Object.fromEntries(sets.map((s) => [s.set, s.n])),
    instances,
    window: await readEvidence(db, m.id, { windowSeconds: bounds.windowSeconds, stage: m.stage }),
  };
}

/** Where verification stands for the next step: the verified gate's view, read from status's own query. */
function verificationState(plan: Plan, last: { mismatches: string; unsynced: string; stale: boolean } | undefined): NextStepInput['verification'] {
  if (nothingToVerify(plan)) return 'not needed';
  if (!last) return 'none';
  if (Number(last.mismatches) + Number(last.unsynced) > 0) return 'differences';
  return last.stale ? 'stale' : 'clean';
}

async function activeStatus(db: Queryable, m: MigrationRecord, bounds: TrafficBounds): Promise<ActiveStatus> {
  const backfill = await db.query<{ table: string; rowsDone: string; rowsTotal: string; done: boolean; updatedAt: string }>(
    `SELECT table_name AS table, rows_done AS "rowsDone", rows_total AS "rowsTotal", done, updated_at::text AS "updatedAt"
       FROM midair.backfill_checkpoints WHERE migration_id = $1 ORDER BY table_name`,
    [m.id],
  );
  const [verification] = await db.query<{ at: string; rowsChecked: string; mismatches: string; unsynced: string; stale: boolean }>(
    `SELECT at::text AS at, rows_checked AS "rowsChecked", mismatches, unsynced,
            at < coalesce((SELECT max(updated_at) FROM midair.backfill_checkpoints WHERE migration_id = $1), at) AS stale
       FROM midair.verifications WHERE migration_id = $1 ORDER BY id DESC LIMIT 1`,
    [m.id],
  );
  const plan = compileRecord(m);
  const traffic = await trafficStatus(db, m, bounds);
  const next = nextStep({
    name: m.name,
    stage: m.stage,
    lazy: m.definition.lazy === true,
    backfill: { tables: plan.sync.filter((s) => filledColumns(s).length > 0).length, begun: backfill.length, done: backfill.filter((b) => b.done).length },
    verification: verificationState(plan, verification),
    rampPercent: m.rampPercent,
    killed: m.killed && { fromPercent: m.killed.fromPercent ?? 0, guard: m.killed.auto ?? null },
    compares: traffic.window.compares.compares,
    minCompares: bounds.minShadowCompares,
  });
  return {
    name: m.name,
    stage: m.stage,
    startedAt: m.startedAt,
    stageChangedAt: m.stageChangedAt,
    versionSchema: m.versionSchema,
    backfill: backfill.map((b) => ({ ...b, rowsDone: Number(b.rowsDone), rowsTotal: Number(b.rowsTotal) })),
    lazy: m.definition.lazy ? await lazyProgress(db, m, plan) : null,
    lastVerification: verification
      ? { at: verification.at, rowsChecked: Number(verification.rowsChecked), mismatches: Number(verification.mismatches), unsynced: Number(verification.unsynced) }
      : null,
    traffic,
    next,
  };
}

export async function readStatus(db: Queryable, schema: string, bounds: TrafficBounds): Promise<StatusResult> {
  const active = await Promise.all((await activeMigrations(db, schema)).map((m) => activeStatus(db, m, bounds)));
  const all = await history(db, schema);
  return {
    schema,
    active,
    latestSearchPath: await latestSearchPath(db, schema),
    migrations: all.map((m) => ({ name: m.name, stage: m.stage, startedAt: m.startedAt, endedAt: m.endedAt })),
  };
}
