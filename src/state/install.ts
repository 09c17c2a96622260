import type { Executor, Queryable } from '../db/executor.js';

/** Bump by appending to UPGRADES; each entry takes the control schema from version i to i+1. */
const UPGRADES: string[] = [
  `
  CREATE TABLE midair.migrations (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    schema text NOT NULL,
    version_schema text NOT NULL,
    stage text NOT NULL,
    definition jsonb NOT NULL,
    catalog jsonb NOT NULL,
    checksum text NOT NULL,
    file text,
    started_at timestamptz NOT NULL DEFAULT now(),
    stage_changed_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz
  );
  CREATE UNIQUE INDEX migrations_one_active_per_schema ON midair.migrations (schema)
    WHERE stage NOT IN ('complete', 'rolled_back');
  CREATE UNIQUE INDEX migrations_name_once ON midair.migrations (name) WHERE stage <> 'rolled_back';
  CREATE TABLE midair.audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    action text NOT NULL,
    migration text,
    from_stage text,
    to_stage text,
    details jsonb NOT NULL DEFAULT '{}'
  );
  CREATE TABLE midair.backfill_checkpoints (
    migration_id bigint NOT NULL REFERENCES midair.migrations (id) ON DELETE CASCADE,
    table_name text NOT NULL,
    -- The highest key handed out to a worker; every key up to it is done or leased.
    last_key jsonb,
    handed_out boolean NOT NULL DEFAULT false,
    rows_done bigint NOT NULL DEFAULT 0,
    rows_total bigint NOT NULL DEFAULT 0,
    done boolean NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (migration_id, table_name)
  );
  CREATE TABLE midair.backfill_leases (
    id bigserial PRIMARY KEY,
    migration_id bigint NOT NULL REFERENCES midair.migrations (id) ON DELETE CASCADE,
    table_name text NOT NULL,
    lo jsonb,
    hi jsonb,
    rows integer NOT NULL,
    worker text NOT NULL,
    backend_pid integer,
    expires_at timestamptz NOT NULL
  );
  CREATE TABLE midair.backfill_control (
    migration_id bigint PRIMARY KEY REFERENCES midair.migrations (id) ON DELETE CASCADE,
    paused boolean NOT NULL DEFAULT false,
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE midair.verifications (
    id bigserial PRIMARY KEY,
    migration_id bigint NOT NULL REFERENCES midair.migrations (id) ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    rows_checked bigint NOT NULL,
    mismatches bigint NOT NULL,
    unsynced bigint NOT NULL,
    samples jsonb NOT NULL
  );
  `,
  // Several migrations at once: each active one claims the tables it changes instead of the schema.
  `
  DROP INDEX midair.migrations_one_active_per_schema;
  CREATE TABLE midair.table_claims (
    schema text NOT NULL,
    -- A table's name, or '*' for a migration whose raw SQL may touch any table.
    table_name text NOT NULL,
    migration_id bigint NOT NULL REFERENCES midair.migrations (id) ON DELETE CASCADE,
    PRIMARY KEY (schema, table_name)
  );
  -- What a version schema's view of a table the new shape no longer has runs: it fails as the table would.
  CREATE FUNCTION midair.relation_gone(relation text, reason text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
  BEGIN
    RAISE EXCEPTION 'relation "%" does not exist in the new shape', relation USING ERRCODE = 'undefined_table', DETAIL = reason;
  END $$;
  `,
  // Moving traffic: the ramp, the kill switch and canary sets that application clients route by,
  // and the evidence they report (metrics, mismatches, instances). See src/client/ and docs/client.md.
  `
  ALTER TABLE midair.migrations
    -- The share of records (by key bucket, 0-100) routed to the new shape while live.
    ADD COLUMN ramp_percent numeric(5, 2) NOT NULL DEFAULT 0 CHECK (ramp_percent BETWEEN 0 AND 100),
    ADD COLUMN ramp_changed_at timestamptz NOT NULL DEFAULT now(),
    -- While set ({by, reason, at, auto}), every record of every instance goes to the old shape.
    ADD COLUMN killed jsonb;
  CREATE TABLE midair.canary_keys (
    migration_id bigint NOT NULL REFERENCES midair.migrations (id) ON DELETE CASCADE,
    set_name text NOT NULL,
    key text NOT NULL,
    added_by text NOT NULL,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (migration_id, set_name, key)
  );
  -- One row per application instance and migration it routes; refreshed by every flush.
  CREATE TABLE midair.client_instances (
    migration_id bigint NOT NULL REFERENCES midair.migrations (id) ON DELETE CASCADE,
    instance_id text NOT NULL,
    service text NOT NULL,
    stage text NOT NULL,
    ramp_percent numeric(5, 2) NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    last_seen timestamptz NOT NULL DEFAULT now(),
    -- The last time this instance served a read or write from the old shape.
    old_used_at timestamptz,
    PRIMARY KEY (migration_id, instance_id)
  );
  -- Counters of one instance, migration, side and kind over one short bucket of time.
  CREATE TABLE midair.client_metrics (
    migration_id bigint NOT NULL REFERENCES midair.migrations (id) ON DELETE CASCADE,
    instance_id text NOT NULL,
    bucket_start timestamptz NOT NULL,
    stage text NOT NULL,
    side text NOT NULL CHECK (side IN ('old', 'new')),
    -- read, write: calls served (returned to the caller or not); compare: comparisons of the two sides.
    kind text NOT NULL CHECK (kind IN ('read', 'write', 'compare')),
    calls bigint NOT NULL DEFAULT 0,
    errors bigint NOT NULL DEFAULT 0,
    mismatches bigint NOT NULL DEFAULT 0,
    -- Sparse latency histogram, bucket index -> count (src/client/histogram.ts).
    latency jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (migration_id, instance_id, bucket_start, side, kind)
  );
  CREATE INDEX client_metrics_recent ON midair.client_metrics (migration_id, bucket_start);
  -- The first mismatches of each migration (capped by the client), values after the redact hook.
  CREATE TABLE midair.client_mismatches (
    id bigserial PRIMARY KEY,
    migration_id bigint NOT NULL REFERENCES midair.migrations (id) ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    instance_id text NOT NULL,
    stage text NOT NULL,
    key text NOT NULL,
    old_value jsonb,
    new_value jsonb,
    -- A/A runs compare the old side with itself: their mismatches measure noise.
    aa boolean NOT NULL DEFAULT false
  );
  CREATE INDEX client_mismatches_by_migration ON midair.client_mismatches (migration_id, id);
  -- Lazy migrations: how many rows had moved at a point in time, for the natural rate per day.
  CREATE TABLE midair.lazy_progress (
    migration_id bigint NOT NULL REFERENCES midair.migrations (id) ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    table_name text NOT NULL,
    migrated bigint NOT NULL,
    total bigint NOT NULL,
    PRIMARY KEY (migration_id, table_name, at)
  );
  `,
  // v4: lazy migrations: the rows Midair itself moved (backfill, migrate-rows), each batch committed
  // with its count, so that status can tell them from the rows the application's writes moved.
  `
  CREATE TABLE midair.lazy_moves (
    migration_id bigint NOT NULL REFERENCES midair.migrations (id) ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    table_name text NOT NULL,
    rows bigint NOT NULL,
    -- 'backfill' or 'migrate-rows'
    source text NOT NULL
  );
  CREATE INDEX lazy_moves_by_table ON midair.lazy_moves (migration_id, table_name, at);
  `,
  // Evidence per ramp step: each metrics row says at which percentage its instance routed, so a
  // step is judged on its own evidence, not on the step before it or on time spent killed.
  `
  ALTER TABLE midair.client_metrics ADD COLUMN ramp_percent numeric(5, 2);
  `,
  // Who acted, verified: the team's person id and how it was verified ('role' or 'token'); null when unverified.
  `
  ALTER TABLE midair.audit_log ADD COLUMN person text, ADD COLUMN verified_by text;
  `,
  // Rehearsals recorded by \`midair rehearse --attendees\`: who took part and how long each stage took, for the playbook.
  `
  CREATE TABLE midair.rehearsals (
    id bigserial PRIMARY KEY,
    migration text NOT NULL,
    -- The definition rehearsed: a playbook says when the migration changed since.
    checksum text NOT NULL,
    started_at timestamptz NOT NULL,
    ended_at timestamptz NOT NULL,
    ok boolean NOT NULL,
    -- Person ids of the team.
    attendees text[] NOT NULL,
    -- The database rehearsed on, without credentials.
    database text NOT NULL,
    -- [{stage, seconds}] in the order they ran.
    stages jsonb NOT NULL,
    recorded_by text NOT NULL
  );
  CREATE INDEX rehearsals_by_migration ON midair.rehearsals (migration, started_at);
  `,
  // Pages waiting for `midair ack`: who of the migration's owners (chain, in order) was paged last
  // (tier) and when, so that escalateDue pages the next one once escalateAfterMinutes have passed.
  `
  CREATE TABLE midair.pages (
    id bigserial PRIMARY KEY,
    migration text NOT NULL,
    event text NOT NULL,
    level text NOT NULL,
    stage text,
    message text NOT NULL,
    dedup_key text NOT NULL,
    chain text[] NOT NULL,
    tier integer NOT NULL DEFAULT 0,
    opened_at timestamptz NOT NULL,
    paged_at timestamptz NOT NULL,
    acked_at timestamptz,
    acked_by text
  );
  CREATE INDEX pages_open ON midair.pages (migration) WHERE acked_at IS NULL;
  `,
  // Personal tokens (only their sha256 hash is kept) and approvals, each for one step of one
  // migration at one definition checksum and the stage it was given in (docs/people.md).
  `
  CREATE TABLE midair.tokens (
    id bigserial PRIMARY KEY,
    person text NOT NULL,
    hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL,
    revoked_at timestamptz,
    revoked_by text
  );
  CREATE TABLE midair.approvals (
    id bigserial PRIMARY KEY,
    migration text NOT NULL,
    -- null for a migration not started yet (its start step)
    migration_id bigint REFERENCES midair.migrations (id) ON DELETE CASCADE,
    step text NOT NULL,
    checksum text NOT NULL,
    stage text NOT NULL,
    person text NOT NULL,
    verified_by text NOT NULL,
    comment text,
    given_at timestamptz NOT NULL DEFAULT now(),
    -- a start approval counts only while this is still the latest run of the migration's name (null: none yet)
    latest_run bigint
  );
  CREATE INDEX approvals_by_migration ON midair.approvals (migration, step);
  `,
  // Budgets (docs/slo.md): requests each service's instances tracked, counted per minute (midair.track,
  // midair.middleware()), and declared downtime: planned windows and incidents the SLI did not see.
  `
  CREATE TABLE midair.service_minutes (
    service text NOT NULL,
    minute timestamptz NOT NULL,
    total bigint NOT NULL DEFAULT 0,
    -- requests that succeeded (availability)
    good bigint NOT NULL DEFAULT 0,
    -- requests tracked with a latency while a latency objective was declared: the latency SLI is fast of timed
    timed bigint NOT NULL DEFAULT 0,
    -- requests answered under the latency objective's underMs when they were tracked (latency)
    fast bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (service, minute)
  );
  CREATE TABLE midair.downtime (
    id bigserial PRIMARY KEY,
    service text NOT NULL,
    -- 'planned': a declared window (its breach minutes are planned downtime); 'incident': unplanned downtime declared by hand
    kind text NOT NULL CHECK (kind IN ('planned', 'incident')),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
    reason text NOT NULL,
    declared_by text NOT NULL,
    person text,
    declared_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX downtime_by_service ON midair.downtime (service, starts_at);
  `,
  // service_minutes.timed for a control schema created before the CREATE above had it (a fresh one has
  // it already): the requests it counted were judged fast of total, so they stay so, all timed.
  `
  ALTER TABLE midair.service_minutes ADD COLUMN IF NOT EXISTS timed bigint;
  UPDATE midair.service_minutes SET timed = total WHERE timed IS NULL;
  ALTER TABLE midair.service_minutes ALTER COLUMN timed SET DEFAULT 0, ALTER COLUMN timed SET NOT NULL;
  `,
];

// Any fixed 64-bit number; shared by every Midair process on the database.
const INSTALL_LOCK = 7_305_114_201;

/** The version of the control schema this Midair installs. */
export const CONTROL_SCHEMA_VERSION = UPGRADES.length;

/** The control schema's version, 0 when it is not installed; only reads. */
export async function installedVersion(db: Queryable): Promise<number> {
  const [found] = await db.query<{ exists: boolean }>(`SELECT to_regclass('midair.schema_version') IS NOT NULL AS exists`);
  if (!found?.exists) return 0;
  const rows = await db.query<{ version: number }>('SELECT version FROM midair.schema_version');
  return rows[0]?.version ?? 0;
}

function refuseNewer(version: number): void {
  if (version > UPGRADES.length) {
    throw new Error(`the midair control schema is at version ${version}, newer than this Midair (${UPGRADES.length}): upgrade Midair`);
  }
}

/**
 * Creates or upgrades the `midair` control schema; safe to call from many processes at once. An
 * up-to-date schema, the usual case of every command, is only read: no DDL, no lock, no commit,
 * so a role that may not create schemas can work in one that another role installed.
 */
export async function installControlSchema(db: Executor): Promise<{ from: number; to: number }> {
  const current = await installedVersion(db);
  refuseNewer(current);
  if (current === UPGRADES.length) return { from: current, to: current };
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [INSTALL_LOCK]);
    await tx.exec(`CREATE SCHEMA IF NOT EXISTS midair;
      CREATE TABLE IF NOT EXISTS midair.schema_version (version integer NOT NULL)`);
    const rows = await tx.query<{ version: number }>('SELECT version FROM midair.schema_version');
    const from = rows[0]?.version ?? 0;
    refuseNewer(from);
    for (let v = from; v < UPGRADES.length; v++) await tx.exec(UPGRADES[v]!);
    if (rows.length === 0) await tx.query('INSERT INTO midair.schema_version VALUES ($1)', [UPGRADES.length]);
    else await tx.query('UPDATE midair.schema_version SET version = $1', [UPGRADES.length]);
    return { from, to: UPGRADES.length };
  });
}
