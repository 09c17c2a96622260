import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMidair, type DoctorReport, type Finding } from '../src/index.js';
import { loadMigrationFile } from '../src/migration/load.js';
import { addServiceMinutes } from '../src/slo/serviceMinutesStore.js';
import { DOCTOR_CHECKS, runDoctor } from '../src/slo/doctor/run.js';
import { resolveConfig } from '../src/config/load.js';
import { connectPostgres } from '../src/db/postgres.js';
import { tempDir } from './support/databases.js';
import { startPrivateCluster, type PrivateCluster, type PrivateServer } from './support/privateCluster.js';
import { makeProject } from './support/project.js';
import { openTarget } from './support/targets.js';
import { runCli } from './support/runCli.js';
import { eventually } from './support/until.js';

// A cluster of this file's own: the session checks see every session of a database, and the role
// checks every role, so no other test file's sessions or roles may be in it.
let cluster: PrivateCluster;
const dirs: { remove: () => void }[] = [];
const held: pg.Client[] = [];

const person = (name: string, roles: string[]) => ({ name, timezone: 'Europe/Berlin', contacts: [{ email: `${name.toLowerCase()}@example.com` }], roles });
const prometheus = { url: 'http://127.0.0.1:1', good: 'sum(rate(http_requests_total{code!~"5.."}[$window]))', total: 'sum(rate(http_requests_total[$window]))' };

const MIGRATION = (owners: string) => `import { defineMigration, op } from 'midair';
export default defineMigration({ name: 'add_note', ${owners} operations: [op.addColumn({ table: 'accounts', column: { name: 'note', type: 'text' } })] });
`;

/** A project whose config names the database, the team, the services and the credentials. */
function project(label: string, database: string, config: Record<string, unknown>, migration: string) {
  const dir = tempDir(label);
  dirs.push(dir);
  const full = { database, migrationsDir: 'migrations', ...config };
  makeProject(dir.path, { 'midair.config.ts': `export default ${JSON.stringify(full, null, 2)};\n`, 'migrations/001_add_note.ts': migration });
  return { dir: dir.path, config: { ...full, migrationsDir: join(dir.path, 'migrations') } as Record<string, unknown> };
}

/** A session held open for the whole file, as `user`, with `applicationName`; its pid. */
async function hold(database: string, user: string, applicationName: string): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: cluster.url(database, user), application_name: applicationName });
  client.on('error', () => {});
  await client.connect();
  held.push(client);
  const [row] = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows;
  return { client, pid: row!.pid };
}

/** The one finding of `check` whose title matches. */
function finding(report: DoctorReport, check: string, title: RegExp): Finding {
  const found = report.findings.filter((f) => f.check === check && title.test(f.title));
  expect(found, `${check} ${title}: ${JSON.stringify(report.findings, null, 2)}`).toHaveLength(1);
  return found[0]!;
}

async function doctor(config: Record<string, unknown>, applicationName: string, options = {}): Promise<DoctorReport> {
  const midair = await createMidair({ ...config, applicationName });
  try {
    return await midair.doctor(options);
  } finally {
    await midair.close();
  }
}

/** The minute `minutesAgo` before now, as the built-in tracker counts it. */
const minuteAgo = (minutesAgo: number) => Math.floor(Date.now() / 60_000) * 60_000 - minutesAgo * 60_000;

beforeAll(async () => {
  cluster = await startPrivateCluster();
  await cluster.sql(`
    CREATE ROLE alice LOGIN; CREATE ROLE reports LOGIN; CREATE ROLE billing_app LOGIN; CREATE ROLE legacy_admin LOGIN SUPERUSER;`);
  await cluster.sql('CREATE DATABASE findings');
  await cluster.sql('CREATE DATABASE clean');
  await cluster.sql(`
    ALTER ROLE billing_app IN DATABASE clean SET lock_timeout = '2s';
    ALTER ROLE billing_app IN DATABASE clean SET statement_timeout = '30s';`);
  for (const database of ['findings', 'clean']) {
    await cluster.sql(`
      CREATE TABLE accounts (id bigint PRIMARY KEY, email text);
      CREATE TABLE audit_log (entry bigint NOT NULL UNIQUE, what text);
      GRANT SELECT ON ALL TABLES IN SCHEMA public TO alice, reports, billing_app;`, database);
  }
  await cluster.sql(`CREATE TABLE events (id bigint, payload text); CREATE TABLE tags (name text UNIQUE);`, 'findings');
  await cluster.sql('CREATE EXTENSION pg_stat_statements', 'clean');
});

afterAll(async () => {
  try {
    await cluster?.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
    await Promise.allSettled(held.map((c) => c.end()));
  } finally {
    await cluster?.stop();
    for (const dir of dirs) dir.remove();
  }
});

describe('midair doctor on a database with every finding', () => {
  let setup: ReturnType<typeof project>;
  const pids: Record<string, number> = {};
  const thresholds = { longRunningSeconds: 1, idleInTransactionSeconds: 1 };

  beforeAll(async () => {
    setup = project('doctor-findings', cluster.url('findings'), {
      team: { people: { alice: person('Alice', ['alice']), bob: person('Bob', ['bob']) }, migrations: { ghost_migration: { service: 'billing' } } },
      services: { billing: { availability: 99.9, roles: ['billing_app', 'billing_ro'] }, search: { availability: 99.5, sli: { prometheus } }, legacy: { availability: 99, roles: ['legacy_admin'] } },
      credentials: { stripe: { usedBy: ['billing'], owner: { person: 'alice' }, where: 'vault: secret/billing/stripe' }, mailer: { usedBy: ['billing'], owner: { account: 'ops@example.com' } } },
    }, MIGRATION(''));
    // Half of billing's requests failed in each of the last two minutes: its budget is spent and it burns fast.
    const midair = await createMidair(setup.config);
    await midair.init();
    await addServiceMinutes(midair.db, 'billing', [minuteAgo(1), minuteAgo(2)].map((minute) => ({ minute, total: 100, good: 50, timed: 100, fast: 50 })));
    // legacy's requests all succeeded: a healthy budget, no finding (no requests at all would be an unknown SLI).
    await addServiceMinutes(midair.db, 'legacy', [{ minute: minuteAgo(1), total: 100, good: 100, timed: 100, fast: 100 }]);
    await midair.close();

    pids.alice = (await hold('findings', 'alice', 'billing-api')).pid;
    pids.alicePsql = (await hold('findings', 'alice', 'psql')).pid;
    pids.billing = (await hold('findings', 'billing_app', 'billing-api')).pid;
    const idle = await hold('findings', 'reports', 'reports-worker');
    await idle.client.query('BEGIN');
    await idle.client.query('SELECT count(*) FROM accounts');
    pids.idle = idle.pid;
    const long = await hold('findings', 'postgres', 'nightly-export');
    long.client.query('SELECT pg_sleep(3600)').catch(() => {});
    pids.long = long.pid;
    // Past the thresholds: the statement has run, and the transaction stayed idle, for more than a second.
    await eventually('the sleep running and the transaction idle for over a second', async () => {
      const [row] = await cluster.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE (pid = $1 AND state = 'active' AND now() - query_start > interval '1.5 s')
             OR (pid = $2 AND state = 'idle in transaction' AND now() - state_change > interval '1.5 s')`, 'findings', [pids.long, pids.idle]);
      return row!.n === 2;
    });
  });

  it('finds each thing with its evidence, blocking ones first', async () => {
    const report = await doctor(setup.config, 'midair doctor (test)', thresholds);

    const personLogin = finding(report, 'person-logins', /role alice, the login of alice/);
    expect(personLogin.severity).toBe('blocking');
    expect(personLogin.evidence).toEqual([expect.stringMatching(new RegExp(`^pid ${pids.alice}: role alice, application_name "billing-api"`))]);
    // psql is a person at a prompt, not an application; the doctor's own session is not evidence either.
    expect(JSON.stringify(report)).not.toContain(`pid ${pids.alicePsql}:`);
    expect(JSON.stringify(report)).not.toContain('midair doctor (test)');

    const reports = finding(report, 'undeclared-roles', /role reports, which no service declares/);
    expect(reports.severity).toBe('warning');
    expect(reports.evidence).toEqual([expect.stringMatching(new RegExp(`^pid ${pids.idle}: role reports, application_name "reports-worker", from 127\\.0\\.0\\.1, idle in transaction`))]);
    expect(finding(report, 'undeclared-roles', /role postgres/).evidence).toEqual([expect.stringContaining(`pid ${pids.long}:`)]);
    expect(finding(report, 'undeclared-roles', /^services\.billing\.roles names role billing_ro, which does not exist on the server$/).evidence).toEqual(['pg_roles has no role "billing_ro"']);

    const stripe = finding(report, 'person-credentials', /credential stripe belongs to a person, Alice \(alice\)/);
    expect(stripe.severity).toBe('blocking');
    expect(stripe.evidence).toEqual(['credentials.stripe.owner: { person: "alice" }', 'used by: billing', 'kept at: vault: secret/billing/stripe']);
    expect(report.findings.filter((f) => f.check === 'person-credentials')).toHaveLength(1);

    expect(finding(report, 'superuser', /application sessions run as superuser postgres/).evidence).toEqual([expect.stringMatching(new RegExp(`^pid ${pids.long}: role postgres, application_name "nightly-export"`))]);
    expect(finding(report, 'superuser', /service legacy's role legacy_admin is a superuser/).severity).toBe('blocking');

    const keys = finding(report, 'table-keys', /2 tables in schema public without a primary key/);
    expect(keys.severity).toBe('blocking');
    expect(keys.evidence).toEqual(['"public"."events"', '"public"."tags"']);

    const long = finding(report, 'long-sessions', /1 transaction running for more than 1 s/);
    expect(long.evidence).toEqual([expect.stringMatching(new RegExp(`^pid ${pids.long}: role postgres, application_name "nightly-export", transaction open \\d+ s: SELECT pg_sleep\\(3600\\)$`))]);
    const idle = finding(report, 'long-sessions', /1 session idle in a transaction open for more than 1 s/);
    expect(idle.evidence).toEqual([expect.stringMatching(new RegExp(`^pid ${pids.idle}: role reports, application_name "reports-worker", transaction open \\d+ s: SELECT count\\(\\*\\) FROM accounts$`))]);
    expect(long.severity).toBe('blocking');

    // Declared service roles and the roles applications log in as (not a person's): none has its timeouts.
    const timeouts = report.findings.filter((f) => f.check === 'role-timeouts').map((f) => f.title);
    expect(timeouts.sort()).toEqual(['billing_app', 'legacy_admin', 'postgres', 'reports'].map((r) => `application role ${r} has no lock_timeout and no statement_timeout`));

    const statements = finding(report, 'pg-stat-statements', /pg_stat_statements is missing/);
    expect(statements.evidence).toEqual(['extension pg_stat_statements: not installed in this database', "shared_preload_libraries = 'pg_stat_statements'"]);
    expect(statements.fix).toBe('CREATE EXTENSION pg_stat_statements in this database');

    expect(finding(report, 'migrations', /add_note has no secondary owner/).evidence).toEqual(['001_add_note.ts (migration "add_note"): no owners in the file or in team.migrations.add_note.owners']);
    expect(finding(report, 'migrations', /add_note has no successful rehearsal/).evidence).toEqual(['001_add_note.ts (migration "add_note"): no rehearsal recorded in midair.rehearsals']);
    expect(finding(report, 'migrations', /team\.migrations names ghost_migration/).severity).toBe('warning');

    const spent = finding(report, 'budgets', /service billing: -?[\d.]+% of its error budget left, under slo.minBudgetLeft \(25%\)/);
    expect(spent.evidence).toEqual([expect.stringMatching(/^availability 99\.9% over 30d: SLI 50\.0%, budget left -[\d.]+%/)]);
    expect(finding(report, 'budgets', /service billing: fast burn/).evidence).toEqual([
      expect.stringMatching(/^availability: fast burn \(1h and 5m\) firing, burn rates 5m 500\.0, 30m 500\.0, 1h 500\.0/),
      expect.stringMatching(/^availability: fast burn \(6h and 30m\) firing/),
    ]);
    expect(finding(report, 'budgets', /service search: SLI unknown/).evidence[0]).toMatch(/^SLI unknown for service "search"/);
    // Each of the three is what the budget gate refuses on: blocking, so the CLI exits 1.
    expect(report.findings.filter((f) => f.check === 'budgets').map((f) => f.severity)).toEqual(['blocking', 'blocking', 'blocking']);

    // No standby is configured: the check ran and found nothing.
    expect(report.checks).toEqual(DOCTOR_CHECKS.map((c) => ({ name: c.name, ran: true })));
    expect(report.findings.filter((f) => f.check === 'replication-lag')).toEqual([]);
    expect(report.findings).toHaveLength(21);
    expect(report.blocking).toBe(10);
    expect(report.warnings).toBe(11);
    expect(report.findings.map((f) => f.severity)).toEqual([...Array(10).fill('blocking'), ...Array(11).fill('warning')]);
  });

  it('as a role that cannot see other roles\' sessions, says so rather than passing', async () => {
    const db = await connectPostgres(cluster.url('findings', 'reports'), { applicationName: 'midair doctor (test)' });
    try {
      const settings = resolveConfig({ database: cluster.url('findings', 'reports'), services: { billing: { availability: 99.9 } } }, { baseDir: tempDir('doctor-unprivileged').path, env: {} });
      const report = await db.session((session) => runDoctor({ db: session, server: true, settings, now: new Date() }, thresholds));
      // Its own role's idle transaction (another connection) it sees; the superuser's long statement it cannot, nor any standby's lag: one warning says so.
      expect(report.findings.filter((f) => f.check === 'long-sessions').map((f) => f.title)).toEqual(['1 session idle in a transaction open for more than 1 s']);
      expect(report.findings.filter((f) => f.check === 'replication-lag')).toEqual([]);
      const hidden = finding(report, 'visibility', /^role reports cannot see other roles' sessions: \d+ sessions of this database not judged$/);
      expect(hidden.fix).toBe('GRANT pg_monitor TO "reports", or run the doctor as a role that has it');
      // Reading the control schema is refused to this role: the budgets check says it could not run, never that all is well.
      expect(report.findings.filter((f) => f.check === 'budgets')).toEqual([{ check: 'budgets', severity: 'warning', title: 'the budgets check could not run', evidence: ['permission denied for schema midair'], fix: expect.stringContaining('pg_monitor') }]);
      expect(report.checks.find((c) => c.name === 'budgets')).toEqual({ name: 'budgets', ran: false, skipped: 'failed: permission denied for schema midair' });
    } finally {
      await db.close();
    }
  });

  it('the CLI exits 1, with the same findings in --json and each with evidence and fix in text', async () => {
    const json = await runCli(setup.dir, ['doctor', '--json', '--long-running', '1', '--idle-in-transaction', '1']);
    expect(json.code, json.stderr).toBe(1);
    const data = JSON.parse(json.stdout) as DoctorReport & { ok: boolean; database: string };
    expect(data.ok).toBe(false);
    expect(data.database).toMatch(/^postgres 127\.0\.0\.1:\d+\/findings$/);
    expect([data.blocking, data.warnings]).toEqual([10, 11]);
    expect(data.findings.find((f) => f.check === 'person-logins')!.evidence).toEqual([expect.stringContaining(`pid ${pids.alice}:`)]);

    const text = await runCli(setup.dir, ['doctor', '--long-running', '1', '--idle-in-transaction', '1']);
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toMatch(/^doctor: postgres 127\.0\.0\.1:\d+\/findings: 10 blocking, 11 warnings\n\nblocking:\n  \[person-logins\] an application connects as role alice/);
    expect(text.stdout).toContain(`      pid ${pids.alice}: role alice`);
    expect(text.stdout).toContain('    fix: give the application a login role of its own');
    expect(text.stdout.indexOf('\nwarnings:\n')).toBeGreaterThan(text.stdout.indexOf('[budgets]'));

    const bad = await runCli(setup.dir, ['doctor', '--long-running', 'soon']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--long-running soon: not a number from 0 to 86400');
  });
});

describe('midair doctor on a clean database', () => {
  let setup: ReturnType<typeof project>;

  beforeAll(async () => {
    setup = project('doctor-clean', cluster.url('clean'), {
      team: { people: { alice: person('Alice', ['alice']), bob: person('Bob', ['bob']) }, migrations: { add_note: { service: 'billing' } } },
      services: { billing: { availability: 99.9, roles: ['billing_app'] } },
      credentials: { stripe: { usedBy: ['billing'], owner: { account: 'payments-ops@example.com' }, where: 'vault: secret/billing/stripe' } },
    }, MIGRATION("owners: { primary: 'alice', secondary: 'bob' },"));
    const { team: _team, ...withoutTeam } = setup.config;
    // Every request of billing succeeded; the migration was rehearsed OK at its current definition.
    const midair = await createMidair(withoutTeam);
    await midair.init();
    await addServiceMinutes(midair.db, 'billing', [minuteAgo(1), minuteAgo(2)].map((minute) => ({ minute, total: 100, good: 100, timed: 100, fast: 100 })));
    const { checksum } = await loadMigrationFile(join(setup.config.migrationsDir as string, '001_add_note.ts'));
    await midair.recordRehearsal({ migration: 'add_note', checksum, startedAt: new Date(Date.now() - 60_000).toISOString(), endedAt: new Date().toISOString(), ok: true, attendees: ['alice', 'bob'], database: 'staging', stages: [{ stage: 'start', seconds: 1 }] });
    await midair.close();
    await hold('clean', 'billing_app', 'billing-api');
    await hold('clean', 'alice', 'psql');
  });

  it('finds nothing, and every check ran', async () => {
    // The doctor connects as a superuser under an application's name: its own session is left out.
    const report = await doctor(setup.config, 'ops-dashboard');
    expect(report).toEqual({ findings: [], blocking: 0, warnings: 0, checks: DOCTOR_CHECKS.map((c) => ({ name: c.name, ran: true })) });
  });

  it('the CLI exits 0 and says so', async () => {
    const json = await runCli(setup.dir, ['doctor', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, findings: [], blocking: 0, warnings: 0 });
    const text = await runCli(setup.dir, ['doctor']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/: 0 blocking, 0 warnings\n\nnothing stands in the way: 12 checks ran, no finding\n$/);
  });
});

describe('midair doctor with a standby', () => {
  let standby: PrivateServer;

  beforeAll(async () => {
    standby = await cluster.startStandby();
    await cluster.sql('CREATE TABLE ticks (at timestamptz DEFAULT now())');
  });

  afterAll(async () => {
    await standby?.stop();
  });

  it('reports a standby replaying behind, with its lag', async () => {
    const config = { database: cluster.url('postgres') };
    await eventually('the standby streaming', async () => (await cluster.sql(`SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'`)).length === 1);
    expect((await doctor(config, 'midair doctor (test)')).findings.filter((f) => f.check === 'replication-lag')).toEqual([]);

    // Replay paused on the standby while the primary writes: the replay lag it reports grows.
    await standby.sql('SELECT pg_wal_replay_pause()');
    await eventually('a replay lag over 1.5 s', async () => {
      await cluster.sql('INSERT INTO ticks DEFAULT VALUES');
      return (await cluster.sql(`SELECT 1 FROM pg_stat_replication WHERE replay_lag > interval '1.5 s'`)).length === 1;
    });
    const report = await doctor(config, 'midair doctor (test)', { replicationLagSeconds: 1 });
    const lag = finding(report, 'replication-lag', /^1 standby replaying more than 1 s behind$/);
    expect(lag.severity).toBe('warning');
    expect(lag.evidence).toEqual([expect.stringMatching(/^standby "[^"]+" from 127\.0\.0\.1 \(streaming\): \d+\.\d s, \d+ bytes of WAL behind$/)]);
  });
});

describe('midair doctor, each test in a database of its own', () => {
  let made = 0;
  /** A new database in the cluster, for one test's tables and sessions; its name. */
  async function database(label: string): Promise<string> {
    const name = `${label}_${++made}`;
    await cluster.sql(`CREATE DATABASE ${name}`);
    return name;
  }

  /** The doctor run as `role` on `database`, on a connection of its own. */
  async function doctorAs(database: string, role: string, config: Record<string, unknown>, options = {}): Promise<DoctorReport> {
    const url = cluster.url(database, role);
    const db = await connectPostgres(url, { applicationName: 'midair doctor (test)' });
    try {
      const settings = resolveConfig({ database: url, ...config }, { baseDir: tempDir('doctor-as').path, env: {} });
      return await db.session((session) => runDoctor({ db: session, server: true, settings, now: new Date() }, options));
    } finally {
      await db.close();
    }
  }

  it('changes nothing: a read-only role runs it, and without a control schema the checks that read it are not checked', async () => {
    const name = await database('bare');
    await cluster.sql('CREATE ROLE auditor LOGIN IN ROLE pg_monitor');
    const setup = project('doctor-bare', cluster.url(name, 'auditor'), { services: { billing: { availability: 99.9 } } }, MIGRATION(''));
    const json = await runCli(setup.dir, ['doctor', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const data = JSON.parse(json.stdout) as DoctorReport;
    const notChecked = "Midair's control schema is not in this database: run `midair init` (as a role that may create it) to check this";
    expect(data.checks.filter((c) => c.name === 'migrations' || c.name === 'budgets')).toEqual([
      { name: 'migrations', ran: false, skipped: notChecked },
      { name: 'budgets', ran: false, skipped: notChecked },
    ]);
    expect(data.findings.map((f) => f.check)).toEqual(['pg-stat-statements']);
    expect(await cluster.sql("SELECT nspname FROM pg_namespace WHERE nspname = 'midair'", name)).toEqual([]);
  });

  it('upgrades nothing: with an older control schema the checks that read it say to run midair init', async () => {
    const name = await database('older');
    const midair = await createMidair({ database: cluster.url(name) });
    await midair.init();
    await midair.close();
    await cluster.sql('UPDATE midair.schema_version SET version = version - 1', name);
    const version = (await cluster.sql<{ version: number }>('SELECT version FROM midair.schema_version', name))[0]!.version;
    const report = await doctor({ database: cluster.url(name), services: { billing: { availability: 99.9 } } }, 'midair doctor (test)');
    const older = `Midair's control schema is at version ${version}, older than this Midair's (${version + 1}): run \`midair init\` to upgrade it, then check this`;
    expect(report.checks.filter((c) => c.name === 'migrations' || c.name === 'budgets')).toEqual([
      { name: 'migrations', ran: false, skipped: older },
      { name: 'budgets', ran: false, skipped: older },
    ]);
    expect(await cluster.sql('SELECT version FROM midair.schema_version', name)).toEqual([{ version }]);
  });

  it("counts the sessions a role without pg_read_all_stats cannot see, and judges none of them", async () => {
    const name = await database('hidden');
    await cluster.sql('CREATE ROLE watcher LOGIN');
    const alice = await hold(name, 'alice', 'billing-api');
    const report = await doctorAs(name, 'watcher', { team: { people: { alice: person('Alice', ['alice']) } } });
    expect(report.findings.filter((f) => f.check === 'person-logins')).toEqual([]);
    const hidden = finding(report, 'visibility', /^role watcher cannot see other roles' sessions: 1 session of this database not judged$/);
    expect(hidden.severity).toBe('warning');
    expect(hidden.evidence).toEqual([
      "role watcher is neither a superuser nor has the privileges of pg_read_all_stats: pg_stat_activity shows other roles' sessions as <insufficient privilege>, without their type, state or times, and pg_stat_replication hides the standbys' lag",
      '1 session of other roles in this database not visible to person-logins, undeclared-roles, superuser, long-sessions and role-timeouts',
    ]);
    expect(hidden.fix).toBe('GRANT pg_monitor TO "watcher", or run the doctor as a role that has it');
    // A member that does not inherit pg_read_all_stats' privileges sees no more: PostgreSQL judges privileges, not membership.
    await cluster.sql('CREATE ROLE inert LOGIN NOINHERIT IN ROLE pg_read_all_stats');
    const inert = await doctorAs(name, 'inert', { team: { people: { alice: person('Alice', ['alice']) } } });
    finding(inert, 'visibility', /^role inert cannot see other roles' sessions: 1 session of this database not judged$/);
    await cluster.sql('SELECT pg_terminate_backend($1)', 'postgres', [alice.pid]);
  });

  it('counts a unique index as a key only when it is immediate, not partial, over columns, and its key columns are NOT NULL', async () => {
    const name = await database('keys');
    await cluster.sql(`
      CREATE TABLE partial_key (id int NOT NULL); CREATE UNIQUE INDEX ON partial_key (id) WHERE id > 0;
      CREATE TABLE expression_key (email text NOT NULL); CREATE UNIQUE INDEX ON expression_key (lower(email));
      CREATE TABLE deferrable_key (id int NOT NULL UNIQUE DEFERRABLE);
      CREATE TABLE nullable_key (id int UNIQUE);
      CREATE TABLE included_key (id int NOT NULL, note text); CREATE UNIQUE INDEX ON included_key (id) INCLUDE (note);
      CREATE TABLE primary_key (id int PRIMARY KEY);`, name);
    const report = await doctor({ database: cluster.url(name) }, 'midair doctor (test)');
    expect(finding(report, 'table-keys', /^4 tables/).evidence).toEqual(['"public"."deferrable_key"', '"public"."expression_key"', '"public"."nullable_key"', '"public"."partial_key"']);
  });

  it('measures a transaction from its start: short statements in a long transaction are found, active or idle', async () => {
    const name = await database('xacts');
    const active = await hold(name, 'reports', 'reports-worker');
    const idle = await hold(name, 'reports', 'reports-worker');
    for (const session of [active, idle]) await session.client.query('BEGIN; SELECT 1');
    await eventually('both transactions open for over 2.5 s', async () => (await cluster.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid IN ($1, $2) AND now() - xact_start > interval '2.5 s'`, name, [active.pid, idle.pid]))[0]!.n === 2);
    // A new statement in each: its start, and the idle one's state change, are recent; the transactions are not.
    active.client.query('SELECT pg_sleep(3600)').catch(() => {});
    await idle.client.query('SELECT 2');
    await eventually('the sleep running', async () => (await cluster.sql(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active'`, name, [active.pid])).length === 1);
    const report = await doctor({ database: cluster.url(name) }, 'midair doctor (test)', { longRunningSeconds: 2, idleInTransactionSeconds: 2 });
    expect(finding(report, 'long-sessions', /^1 transaction running for more than 2 s$/).evidence).toEqual([expect.stringMatching(new RegExp(`^pid ${active.pid}: role reports, application_name "reports-worker", transaction open \\d+ s: SELECT pg_sleep\\(3600\\)$`))]);
    expect(finding(report, 'long-sessions', /^1 session idle in a transaction open for more than 2 s$/).evidence).toEqual([expect.stringMatching(new RegExp(`^pid ${idle.pid}: role reports, application_name "reports-worker", transaction open \\d+ s: SELECT 2$`))]);
    await cluster.sql('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid IN ($1, $2)', 'postgres', [active.pid, idle.pid]);
  });

  it('counts a timeout set for the server or the database, and reports a role only when nothing sets it', async () => {
    const name = await database('timeouts');
    await cluster.sql(`CREATE ROLE svc_a; CREATE ROLE svc_b; ALTER ROLE svc_a IN DATABASE ${name} SET statement_timeout = 0; ALTER DATABASE ${name} SET statement_timeout = '30s'`);
    const config = { database: cluster.url(name), services: { billing: { availability: 99.9, roles: ['svc_a', 'svc_b'] } } };
    await cluster.sql("ALTER SYSTEM SET lock_timeout = '3s'");
    await cluster.sql('SELECT pg_reload_conf()');
    try {
      await eventually('the server-wide lock_timeout in new sessions', async () => (await cluster.sql<{ lock_timeout: string }>('SHOW lock_timeout', name))[0]!.lock_timeout === '3s');
      const timeouts = (await doctor(config, 'midair doctor (test)')).findings.filter((f) => f.check === 'role-timeouts');
      expect(timeouts.map((f) => [f.title, f.evidence])).toEqual([
        ['application role svc_a has no statement_timeout', ['role svc_a: statement_timeout=0 (role in this database), statement_timeout=30s (this database), lock_timeout=3s (server)']],
      ]);
    } finally {
      await cluster.sql('ALTER SYSTEM RESET lock_timeout');
      await cluster.sql('SELECT pg_reload_conf()');
      await eventually('the server-wide lock_timeout gone', async () => (await cluster.sql<{ lock_timeout: string }>('SHOW lock_timeout', name))[0]!.lock_timeout === '0');
    }
  });

  it('quotes role names in the SQL of its fixes', async () => {
    const name = await database('quoted');
    await cluster.sql('CREATE ROLE "Legacy ""Admin""" SUPERUSER');
    const report = await doctor({ database: cluster.url(name), services: { legacy: { availability: 99, roles: ['Legacy "Admin"'] } } }, 'midair doctor (test)');
    expect(finding(report, 'superuser', /is a superuser$/).fix).toBe('ALTER ROLE "Legacy ""Admin""" NOSUPERUSER, after granting it what the service uses');
    expect(finding(report, 'role-timeouts', /^application role Legacy "Admin" has no/).fix).toBe(
      `ALTER ROLE "Legacy ""Admin""" SET lock_timeout = '2s'; ALTER ROLE "Legacy ""Admin""" SET statement_timeout = '30s' (new sessions take it)`);
  });

  it("takes only Midair's own command names for Midair, not an application's name that starts like one", async () => {
    const name = await database('names');
    const app = await hold(name, 'alice', 'midair-billing');
    await hold(name, 'alice', `midair migrate-rows (pid ${process.pid})`);
    await hold(name, 'alice', `midair backfill pause (pid ${process.pid})`);
    await hold(name, 'alice', `midair slo report (pid ${process.pid})`);
    const report = await doctor({ database: cluster.url(name), team: { people: { alice: person('Alice', ['alice']) } } }, 'midair doctor (test)');
    expect(finding(report, 'person-logins', /role alice/).evidence).toEqual([expect.stringMatching(new RegExp(`^pid ${app.pid}: role alice, application_name "midair-billing"`))]);
  });
});

describe('midair doctor on the embedded database', () => {
  it('checks what applies to one connection and says why the rest is not checked', async () => {
    const target = await openTarget('embedded', 'doctor');
    try {
      await target.db.exec('CREATE TABLE notes (body text); CREATE TABLE keyed (id int PRIMARY KEY)');
      const report = await target.midair().doctor();
      expect(report.findings).toEqual([{
        check: 'table-keys',
        severity: 'blocking',
        title: '1 table in schema public without a primary key or a unique key over NOT NULL columns',
        evidence: ['"public"."notes"'],
        fix: expect.stringContaining('add a primary key'),
      }]);
      expect(report.checks.filter((c) => c.ran).map((c) => c.name)).toEqual(['table-keys']);
      // The doctor installs nothing: a database without Midair's control schema has no migrations to judge.
      expect(report.checks.find((c) => c.name === 'migrations')).toEqual({ name: 'migrations', ran: false, skipped: expect.stringMatching(/^Midair's control schema is not in this database: run `midair init`/) });
      expect(report.checks.find((c) => c.name === 'long-sessions')).toEqual({ name: 'long-sessions', ran: false, skipped: 'the embedded database has no other sessions' });
      expect(report.checks.find((c) => c.name === 'budgets')).toEqual({ name: 'budgets', ran: false, skipped: 'no services in the config: no budgets to judge' });
    } finally {
      await target.close();
    }
  });
});
