import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load.js';
import { count, type Histogram } from '../src/client/histogram.js';
import { addMetrics } from '../src/client/evidenceStore.js';
import { createMidair, MidairError, type MigrationClient, type Midair, type MigrationSpec, type RoutingState } from '../src/index.js';
import { createUsers, splitName } from './support/backfillFixture.js';
import { dropRole, freshDatabase, tempDir } from './support/databases.js';
import { startPgBouncer } from './support/pgbouncer.js';
import { changeRouting, type RoutingChange } from './support/routingControl.js';
import { splitNameClient, type UserInput } from './support/splitNameClient.js';

type Users = MigrationClient<UserInput, string | undefined, number | null>;

/** Resolves once the client applies a routing that matches (at once if it does already). */
function appliedBy(users: Users, match: (state: RoutingState) => boolean): Promise<RoutingState> {
  const now = users.routing();
  if (now && match(now)) return Promise.resolve(now);
  return new Promise((resolve) => {
    const stop = users.onRoutingChange((state) => {
      if (!match(state)) return;
      stop();
      resolve(state);
    });
  });
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('the application client in one process (real PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: pg.Client;
  let operator: Midair;
  let app: Midair;
  let warnings: string[];

  const open = (options: { pollMs?: number } = {}) =>
    createMidair({
      database: database.url,
      service: 'accounts-api',
      instanceId: 'test-instance',
      flushIntervalMs: 60_000,
      pollIntervals: { listeningMs: options.pollMs ?? 5_000, notListeningMs: options.pollMs ?? 300 },
      logger: { warn: (message) => warnings.push(message) },
    });

  async function routed(change: RoutingChange, users: Users, match: (s: RoutingState) => boolean): Promise<void> {
    await changeRouting(database.url, 'split', change);
    await appliedBy(users, match);
  }

  const metrics = async () =>
    (await db.query<{ side: string; kind: string; stage: string; calls: number; errors: number; mismatches: number }>(
      `SELECT side, kind, stage, sum(calls)::int AS calls, sum(errors)::int AS errors, sum(mismatches)::int AS mismatches
         FROM midair.client_metrics GROUP BY side, kind, stage ORDER BY kind, side, stage`)).rows;

  beforeAll(async () => {
    database = await freshDatabase('client');
    db = new pg.Client(database.url);
    await db.connect();
    await createUsers(db, 200);
    operator = await createMidair({ database: database.url });
    await operator.start(splitName);
    await operator.backfill();
  });
  afterAll(async () => {
    await db?.end();
    await operator?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    warnings = [];
    await db.query(`UPDATE midair.migrations SET stage = 'expanded', ramp_percent = 0, killed = NULL;
      TRUNCATE midair.client_metrics, midair.client_mismatches, midair.client_instances, midair.canary_keys`);
    app = await open();
  });
  afterEach(async () => {
    await app.close();
  });

  it('migration() without a service says to pass one', async () => {
    const plain = await createMidair({ database: database.url });
    try {
      expect(() => plain.migration('split', splitNameClient())).toThrow(MidairError);
      expect(() => plain.migration('split', splitNameClient())).toThrow(/needs the name of the service/);
    } finally {
      await plain.close();
    }
  });

  it('a key() that returns nothing is an error naming the migration and the input', async () => {
    const users = app.migration('split', splitNameClient({ key: (input) => (input.id === 1 ? undefined : input.id === 2 ? '' : null) }));
    for (const id of [1, 2, 3]) {
      const error = await rejection(users.read({ id }));
      expect(error).toBeInstanceOf(MidairError);
      expect(error.message).toMatch(new RegExp(`migration "split": key\\(\\) returned (undefined|an empty string|null) for the input \\{"id":${id}\\}`));
    }
    expect(() => users.route({ id: 1 })).toThrow(/key\(\) returned undefined/);
    await expect(users.write({ id: 3, name: 'X' })).rejects.toThrow(/key\(\) returned null/);
  });

  it('an unknown migration name is refused on first use, listing the migrations the control schema has', async () => {
    const typo = app.migration('splitt', splitNameClient());
    const error = await rejection(typo.read({ id: 1 }));
    expect(error).toBeInstanceOf(MidairError);
    expect(error.message).toBe('no migration "splitt" in the control schema (it has "split")');
    await expect(typo.write({ id: 1, name: 'A' })).rejects.toThrow(/no migration "splitt"/);
    expect(() => typo.route({ id: 1 })).toThrow(/no migration "splitt"/);
  });

  it('a connection lost while a write waits on something else fails that write, not the process', async () => {
    const users = app.migration('split', splitNameClient({
      writeOld: async (shape, input) => {
        if (input.name === 'Lost Write') {
          const pid = (await shape.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          // The server ends the session while the application awaits something that is not a query.
          await db.query('SELECT pg_terminate_backend($1)', [pid]);
          while ((await db.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rows.length > 0);
          await new Promise((resolve) => setTimeout(resolve, 50)); // let the socket's close reach the driver
        }
        return (await shape.query('UPDATE users SET name = $1 WHERE id = $2', [input.name, input.id])).rowCount;
      },
    }));
    await expect(users.write({ id: 9, name: 'Lost Write' })).rejects.toThrow();
    expect((await db.query('SELECT name FROM users WHERE id = 9')).rows[0].name).not.toBe('Lost Write');
    // The pool replaces the lost connection: the next writes go through.
    for (let i = 0; i < 12; i++) await users.write({ id: 9, name: `Kept Write${i}` });
    expect((await db.query('SELECT name FROM users WHERE id = 9')).rows[0].name).toBe('Kept Write11');
  });

  it('each call is a transaction of its own on its shape: rolled back when it throws, writes attributed to their shape', async () => {
    const users = app.migration('split', splitNameClient({
      writeNew: async (db, input) => {
        await db.query('UPDATE users SET first_name = $1 WHERE id = $2', [input.name, input.id]);
        const path = (await db.query<{ search_path: string }>('SHOW search_path')).rows[0]!.search_path;
        if (input.name === 'Boom') throw new Error(`failed after the update, on ${path}`);
        return 1;
      },
    }));
    await routed({ stage: 'live', percent: 100 }, users, (s) => s.rampPercent === 100);
    await expect(users.write({ id: 5, name: 'Boom' })).rejects.toThrow('failed after the update, on public_split, public');
    expect((await db.query('SELECT first_name FROM users WHERE id = 5')).rows[0].first_name).not.toBe('Boom');
    await users.write({ id: 5, name: 'Grace' });
    expect((await db.query('SELECT name, _midair_source AS source FROM users WHERE id = 5')).rows[0]).toMatchObject({ source: 'n' });
    await routed({ killed: { by: 'test', reason: 'drill' } }, users, (s) => !!s.killed);
    await users.write({ id: 5, name: 'Ada Lovelace' });
    expect((await db.query('SELECT name, first_name, _midair_source AS source FROM users WHERE id = 5')).rows[0]).toEqual({ name: 'Ada Lovelace', first_name: 'Ada', source: 'o' });
  });

  it('reads run read-only and a db handle kept past its call refuses to run', async () => {
    let kept: { query(sql: string): Promise<unknown> } | null = null;
    const users = app.migration('split', splitNameClient({
      readOld: async (db, input) => {
        kept = db;
        if (input.id === 1) await db.query(`UPDATE users SET name = 'sneaky' WHERE id = 1`);
        return 'x';
      },
    }));
    await expect(users.read({ id: 1 })).rejects.toThrow(/read-only transaction/);
    await users.read({ id: 2 });
    await expect(kept!.query('SELECT 1')).rejects.toThrow(/a db handle was used after its read or write returned/);
  });

  /**
   * A readOld that says how it ran: the search_path it saw, whether it ran outside a transaction
   * block (a SAVEPOINT is refused there), and the name (the new shape has no column name: read
   * through it, this fails).
   */
  const sessionReporter = () => splitNameClient({
    readOld: async (shape, input) => {
      const autocommit = await shape.query('SAVEPOINT probe').then(() => false, (error: { code?: string }) => {
        if (error.code !== '25P01') throw error;
        return true;
      });
      const row = (await shape.query<{ path: string; name: string }>(`SELECT current_setting('search_path') AS path, name FROM users WHERE id = $1`, [input.id])).rows[0]!;
      return JSON.stringify({ path: row.path, autocommit, name: row.name });
    },
  });
  const nameOf = async (id: number) => (await db.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [id])).rows[0]!.name;
  const ranAs = (reported: string | undefined) => JSON.parse(reported!) as { path: string; autocommit: boolean; name: string };

  it('an old read that is not compared runs in autocommit on the session default search_path when that gives the old shape; a compared one in its transaction', async () => {
    const [{ path: sessionDefault }] = (await db.query<{ path: string }>(`SELECT current_setting('search_path') AS path`)).rows as [{ path: string }];
    const users = app.migration('split', sessionReporter());
    // expanded: no BEGIN, no SET LOCAL (the existing read-only test covers that it still cannot write).
    expect(ranAs(await users.read({ id: 1 }))).toEqual({ path: sessionDefault, autocommit: true, name: await nameOf(1) });
    await routed({ stage: 'shadow' }, users, (s) => s.stage === 'shadow');
    expect(ranAs(await users.read({ id: 1 }))).toEqual({ path: 'public', autocommit: false, name: await nameOf(1) });
    await routed({ stage: 'live', percent: 100 }, users, (s) => s.stage === 'live' && s.rampPercent === 100);
    await routed({ killed: { by: 'test', reason: 'drill' } }, users, (s) => !!s.killed);
    expect(ranAs(await users.read({ id: 1 }))).toEqual({ path: sessionDefault, autocommit: true, name: await nameOf(1) });
  });

  it('old reads keep their transaction when the session default search_path would not give the old shape: checked on every new connection', async () => {
    const users = app.migration('split', sessionReporter());
    expect(ranAs(await users.read({ id: 1 }))).toMatchObject({ autocommit: true });
    // New sessions of this database now start with the version schema (the new shape) first.
    await db.query(`ALTER DATABASE ${database.name} SET search_path TO public_split, public`);
    try {
      // Sessions started before keep their default: still the old shape, still no transaction.
      expect(ranAs(await users.read({ id: 1 }))).toMatchObject({ autocommit: true });
      await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'accounts-api'`);
      // The client's pooled connections learn they were closed asynchronously: poll until a read gets a new one.
      const deadline = Date.now() + 30_000;
      let reported: string | undefined;
      while (reported === undefined) {
        reported = await users.read({ id: 1 }).catch((error: Error) => {
          if (Date.now() > deadline) throw error;
          return undefined;
        });
      }
      expect(ranAs(reported)).toEqual({ path: 'public', autocommit: false, name: await nameOf(1) });
    } finally {
      await db.query(`ALTER DATABASE ${database.name} RESET search_path`);
    }
  });

  it('behind PgBouncer in transaction pooling mode, which refuses startup options, old reads keep their transaction and work', async () => {
    const bouncer = await startPgBouncer(database.name);
    const behind = await createMidair({ database: bouncer.url, listenUrl: database.url, service: 'accounts-api', flushIntervalMs: 60_000, logger: { warn: (message) => warnings.push(message) } });
    try {
      const users = behind.migration('split', sessionReporter());
      for (const id of [1, 2, 3]) expect(ranAs(await users.read({ id }))).toEqual({ path: 'public', autocommit: false, name: await nameOf(id) });
    } finally {
      await behind.close();
      await bouncer.stop();
    }
  });

  it('errors of the side not returned are counted, never thrown; errors of the served side reach the caller and are counted', async () => {
    let failOld = false;
    const users = app.migration('split', splitNameClient({
      readNew: async () => {
        throw new Error('new shape broken');
      },
      readOld: async (db, input) => {
        if (failOld) throw new Error('old shape broken');
        return (await db.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [input.id])).rows[0]?.name;
      },
    }));
    await routed({ stage: 'shadow' }, users, (s) => s.stage === 'shadow');
    for (let id = 1; id <= 10; id++) expect(await users.read({ id })).toBe((await db.query('SELECT name FROM users WHERE id = $1', [id])).rows[0].name);
    failOld = true;
    await expect(users.read({ id: 1 })).rejects.toThrow('old shape broken');
    await app.flushEvidence();
    expect(await metrics()).toEqual([
      // The other side is read after the served one, in its snapshot: not at all when the served read failed.
      { side: 'new', kind: 'read', stage: 'shadow', calls: 10, errors: 10, mismatches: 0 },
      { side: 'old', kind: 'read', stage: 'shadow', calls: 11, errors: 1, mismatches: 0 },
    ]);
  });

  it('both sides of a comparison read one snapshot: a write committed between the two reads is no mismatch', async () => {
    const users = app.migration('split', splitNameClient({
      readOld: async (shape, input) => {
        const name = (await shape.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [input.id])).rows[0]!.name;
        // Another request's write commits after the old side was read and before the new one is.
        await db.query(`UPDATE users SET name = 'Changed Meanwhile' WHERE id = $1`, [input.id]);
        return name;
      },
    }));
    await routed({ stage: 'shadow' }, users, (s) => s.stage === 'shadow');
    for (let id = 11; id <= 15; id++) await users.read({ id });
    await app.flushEvidence();
    expect((await metrics()).find((m) => m.kind === 'compare')).toEqual({ side: 'new', kind: 'compare', stage: 'shadow', calls: 5, errors: 0, mismatches: 0 });
    expect((await db.query(`SELECT count(*)::int AS n FROM users WHERE first_name = 'Changed' AND id BETWEEN 11 AND 15`)).rows[0].n).toBe(5);
  });

  it('a compare that throws is counted as a compare error and logged once, never thrown', async () => {
    const users = app.migration('split', splitNameClient({
      compare: () => {
        throw new Error('compare exploded');
      },
    }));
    await routed({ stage: 'shadow' }, users, (s) => s.stage === 'shadow');
    for (let id = 1; id <= 5; id++) await users.read({ id });
    await app.flushEvidence();
    expect((await metrics()).find((m) => m.kind === 'compare')).toEqual({ side: 'new', kind: 'compare', stage: 'shadow', calls: 5, errors: 5, mismatches: 0 });
    expect(warnings.filter((w) => w.includes('compare exploded'))).toEqual([expect.stringMatching(/compare of migration "split" threw \(key "\d"\): compare exploded/)]);
  });

  it('live: the routed side is returned and the other compared; mismatches are stored redacted, capped per instance', async () => {
    const users = app.migration('split', splitNameClient({
      readNew: async (db, input) => `${(await db.query<{ first_name: string }>('SELECT first_name FROM users WHERE id = $1', [input.id])).rows[0]!.first_name}!`,
      redact: (value) => (value === undefined ? null : `${String(value).slice(0, 2)}***`),
    }));
    await routed({ stage: 'live', percent: 50 }, users, (s) => s.stage === 'live' && s.rampPercent === 50);
    const served = { old: 0, new: 0 };
    for (let id = 1; id <= 150; id++) {
      const value = await users.read({ id });
      served[users.route({ id })]++;
      expect(value!.endsWith('!')).toBe(users.route({ id }) === 'new');
    }
    await app.flushEvidence();
    const stored = (await db.query<{ key: string; old_value: string; new_value: string; aa: boolean }>('SELECT key, old_value, new_value, aa FROM midair.client_mismatches ORDER BY id')).rows;
    expect(stored).toHaveLength(100);
    expect(stored.every((m) => m.old_value.endsWith('***') && m.new_value.endsWith('***') && !m.aa)).toBe(true);
    // Every read compares (sample 1) unless too many comparisons run already; every compare mismatches.
    const m = await metrics();
    const total = (kind: string, field: 'calls' | 'mismatches') => m.filter((r) => r.kind === kind).reduce((sum, r) => sum + r[field], 0);
    expect(total('compare', 'calls')).toBeGreaterThan(100);
    expect(total('compare', 'mismatches')).toBe(total('compare', 'calls'));
    expect(total('read', 'calls')).toBe(150 + total('compare', 'calls'));
    expect(served.old).toBeGreaterThan(0);
    expect(served.new).toBeGreaterThan(0);
  });

  it('A/A mode compares the old side with itself in shadow: its mismatches are noise, marked aa', async () => {
    let n = 0;
    const users = app.migration('split', splitNameClient({ aa: true, readOld: async () => `read ${n++}` }));
    await routed({ stage: 'shadow' }, users, (s) => s.stage === 'shadow');
    await users.read({ id: 1 });
    await app.flushEvidence();
    expect((await db.query('SELECT key, aa FROM midair.client_mismatches')).rows).toEqual([{ key: '1', aa: true }]);
    expect((await metrics()).map((r) => [r.side, r.kind, r.calls])).toEqual([['old', 'compare', 1], ['old', 'read', 2]]);
  });

  it('instances report the routing they apply and when they last served the old shape; close flushes what is left', async () => {
    const users = app.migration('split', splitNameClient());
    await routed({ stage: 'live', percent: 30 }, users, (s) => s.rampPercent === 30);
    const id = [1, 2, 3, 4, 5, 6, 7, 8].find((n) => users.route({ id: n }) === 'old');
    await users.read({ id: id! });
    const closing = app;
    app = await open();
    await closing.close();
    const [instance] = (await db.query(`SELECT instance_id, service, stage, ramp_percent::float8 AS percent, old_used_at IS NOT NULL AS used_old FROM midair.client_instances`)).rows;
    expect(instance).toEqual({ instance_id: 'test-instance', service: 'accounts-api', stage: 'live', percent: 30, used_old: true });
    expect((await metrics()).some((r) => r.kind === 'read')).toBe(true);
  });

  it('while the control schema cannot be read the last known routing holds, said once; then it follows again', async () => {
    const closing = app;
    app = await open({ pollMs: 50 });
    await closing.close();
    const users = app.migration('split', splitNameClient());
    await routed({ stage: 'live', percent: 100 }, users, (s) => s.rampPercent === 100);
    await db.query('ALTER TABLE midair.migrations RENAME TO migrations_away');
    try {
      // Several polls fail meanwhile; reads keep the routing they had.
      const failing = Date.now();
      while (Date.now() - failing < 400) {
        expect(users.route({ id: 1 })).toBe('new');
        expect(await users.read({ id: 1 })).toBe((await db.query('SELECT name FROM users WHERE id = 1')).rows[0].name);
      }
    } finally {
      await db.query('ALTER TABLE midair.migrations_away RENAME TO migrations');
    }
    await routed({ percent: 0 }, users, (s) => s.rampPercent === 0);
    const outage = warnings.filter((w) => w.includes('cannot read routing'));
    expect(outage).toHaveLength(1);
    expect(outage[0]).toMatch(/keeping the last known routing until it answers: split: live 100%/);
    expect(warnings.some((w) => w.includes('answers again'))).toBe(true);
  });

  it('with no control schema at all the client serves the old shape and says so once', async () => {
    const empty = await freshDatabase('client_empty');
    const plain = new pg.Client(empty.url);
    await plain.connect();
    await createUsers(plain, 3);
    await plain.end();
    const lonely = await createMidair({ database: empty.url, service: 'lonely', logger: { warn: (message) => warnings.push(message) } });
    try {
      const users = lonely.migration('split', splitNameClient());
      for (let i = 0; i < 5; i++) expect(await users.read({ id: 1 })).toMatch(/\w/);
      expect(users.route({ id: 1 })).toBe('old');
      expect(warnings.filter((w) => w.includes('cannot read routing'))).toEqual([expect.stringMatching(/relation "midair.migrations" does not exist.*split: old \(routing never read\)/)]);
    } finally {
      await lonely.close();
      await empty.drop();
    }
  });

  it('evidence that cannot be written stays in memory and is written, all of it, once it can be', async () => {
    const users = app.migration('split', splitNameClient());
    await routed({ stage: 'shadow' }, users, (s) => s.stage === 'shadow');
    await db.query('ALTER TABLE midair.client_metrics RENAME TO client_metrics_away');
    try {
      for (let id = 1; id <= 4; id++) await users.read({ id });
      await app.flushEvidence();
      for (let id = 5; id <= 6; id++) await users.read({ id });
      await app.flushEvidence();
    } finally {
      await db.query('ALTER TABLE midair.client_metrics_away RENAME TO client_metrics');
    }
    await app.flushEvidence();
    expect((await metrics()).map((r) => [r.side, r.kind, r.calls])).toEqual([['new', 'compare', 6], ['new', 'read', 6], ['old', 'read', 6]]);
    expect(warnings.filter((w) => w.includes('cannot write evidence'))).toHaveLength(1);
    expect(warnings.some((w) => w.includes('evidence is written to the control schema again'))).toBe(true);
  });

  it('runs as an application role with only the privileges docs/client.md lists', async () => {
    const role = `midair_app_${process.pid}`;
    await dropRole(role);
    await db.query(`CREATE ROLE ${role} LOGIN;
      GRANT SELECT, UPDATE ON users TO ${role};
      GRANT USAGE ON SCHEMA midair, public_split TO ${role};
      GRANT SELECT, UPDATE ON public_split.users TO ${role};
      GRANT SELECT ON midair.migrations, midair.canary_keys TO ${role};
      GRANT SELECT, INSERT, UPDATE ON midair.client_metrics, midair.client_mismatches, midair.client_instances TO ${role};
      GRANT USAGE ON SEQUENCE midair.client_mismatches_id_seq TO ${role};
      GRANT UPDATE (killed, ramp_percent, ramp_changed_at) ON midair.migrations TO ${role};
      GRANT INSERT ON midair.audit_log TO ${role};
      GRANT USAGE ON SEQUENCE midair.audit_log_id_seq TO ${role}`);
    const url = new URL(database.url);
    url.username = role;
    // Guards judge from the first compare, so the role's flush pulls the kill switch too.
    const limited = await createMidair({ database: url.toString(), service: 'limited', flushIntervalMs: 60_000, traffic: { minWindowCalls: 1 }, logger: { warn: (message) => warnings.push(message) } });
    try {
      const users = limited.migration('split', splitNameClient({ readNew: async () => 'differs' }));
      await routed({ stage: 'live', percent: 50 }, users, (s) => s.rampPercent === 50);
      for (let id = 1; id <= 10; id++) {
        await users.write({ id, name: `Limited ${id}` });
        expect(await users.read({ id })).toBe(users.route({ id }) === 'new' ? 'differs' : `Limited ${id}`);
      }
      await limited.flushEvidence();
    } finally {
      await limited.close();
      await db.query(`DROP OWNED BY ${role}`);
      await dropRole(role);
    }
    expect(warnings).toEqual([expect.stringMatching(/^midair: guard "mismatch rate": .* pulled the kill switch/)]);
    expect((await db.query(`SELECT killed->>'auto' AS auto FROM midair.migrations WHERE name = 'split'`)).rows).toEqual([{ auto: 'mismatch rate' }]);
    expect((await db.query(`SELECT count(*)::int AS n FROM midair.client_mismatches`)).rows[0].n).toBe(10);
    expect((await db.query(`SELECT service FROM midair.client_instances`)).rows).toEqual([{ service: 'limited' }]);
  });

  it('afterFlush hooks run after each flush with the id of each routed migration, their failures logged', async () => {
    const seen: number[] = [];
    const hooked = await createMidair({
      database: database.url,
      service: 'hooked',
      flushIntervalMs: 60_000,
      logger: { warn: (message) => warnings.push(message) },
      afterFlush: [(id) => void seen.push(id), () => Promise.reject(new Error('guard down'))],
    });
    try {
      const users = hooked.migration('split', splitNameClient());
      await users.read({ id: 1 });
      await hooked.flushEvidence();
    } finally {
      await hooked.close();
    }
    const [{ id }] = (await db.query<{ id: number }>('SELECT id::int AS id FROM midair.migrations')).rows as [{ id: number }];
    expect(seen).toEqual([id, id]); // the flush asked for, and the last one on close
    expect(warnings.filter((w) => w.includes('guard down'))).toEqual([expect.stringMatching(/afterFlush of migration "split" failed: guard down/), expect.anything()]);
  });

  it('request counts the control schema cannot take do not hold back the evidence: it lands, hooks run, and the counts are written by a later flush', async () => {
    const seen: number[] = [];
    const tracked = await createMidair({
      database: database.url,
      service: 'tracked',
      instanceId: 'tracked-instance',
      flushIntervalMs: 60_000,
      logger: { warn: (message) => warnings.push(message) },
      afterFlush: [(id) => void seen.push(id)],
    });
    try {
      const users = tracked.migration('split', splitNameClient());
      await db.query('ALTER TABLE midair.service_minutes RENAME TO service_minutes_away');
      try {
        for (let id = 1; id <= 3; id++) {
          await users.read({ id });
          tracked.track({ ok: id !== 3, latencyMs: 5 });
        }
        await tracked.flushEvidence();
      } finally {
        await db.query('ALTER TABLE midair.service_minutes_away RENAME TO service_minutes');
      }
      // The evidence of the reads landed, and the hooks judged it, though the counts could not be written.
      expect(await metrics()).toEqual([{ side: 'old', kind: 'read', stage: 'expanded', calls: 3, errors: 0, mismatches: 0 }]);
      expect((await db.query(`SELECT instance_id FROM midair.client_instances`)).rows).toEqual([{ instance_id: 'tracked-instance' }]);
      expect(seen).toHaveLength(1);
      expect((await db.query(`SELECT count(*)::int AS n FROM midair.service_minutes WHERE service = 'tracked'`)).rows).toEqual([{ n: 0 }]);
      expect(warnings.filter((w) => w.startsWith('midair: cannot write evidence to the control schema (relation "midair.service_minutes" does not exist)'))).toHaveLength(1);
      // The next flush writes the counts kept in memory, each once; the evidence is not written twice.
      await tracked.flushEvidence();
      const { rows } = await db.query(`SELECT sum(total)::int AS total, sum(good)::int AS good FROM midair.service_minutes WHERE service = 'tracked'`);
      expect(rows).toEqual([{ total: 3, good: 2 }]);
      expect(await metrics()).toEqual([{ side: 'old', kind: 'read', stage: 'expanded', calls: 3, errors: 0, mismatches: 0 }]);
      expect(warnings.filter((w) => w.includes('evidence is written to the control schema again'))).toHaveLength(1);
    } finally {
      await tracked.close();
    }
  });

  it('a guard breach seen by an instance pulls the kill switch by itself: the new shape failing sends every record back to old', async () => {
    const guarded = await createMidair({
      database: database.url,
      service: 'accounts-api',
      instanceId: 'guarded-instance',
      flushIntervalMs: 60_000,
      logger: { warn: (message) => warnings.push(message) },
      traffic: { minWindowCalls: 10, windowSeconds: 60 },
    });
    try {
      const users = guarded.migration('split', splitNameClient({ readNew: async () => { throw new Error('the new shape is broken'); } }));
      await routed({ stage: 'live', percent: 100 }, users, (s) => s.stage === 'live' && s.rampPercent === 100);
      for (let id = 1; id <= 12; id++) await expect(users.read({ id })).rejects.toThrow('the new shape is broken');
      await guarded.flushEvidence();
      const [m] = (await db.query<{ killed: { auto: string; reason: string } | null; ramp: number }>(`SELECT killed, ramp_percent::float8 AS ramp FROM midair.migrations WHERE name = 'split'`)).rows;
      expect(m!.killed).toMatchObject({ auto: 'new error rate' });
      expect(m!.ramp).toBe(0);
      await appliedBy(users, (s) => s.killed !== null);
      expect(users.route({ id: 1 })).toBe('old');
      expect(await users.read({ id: 1 })).toEqual(expect.any(String));
      expect(warnings.join('\n')).toMatch(/guard "new error rate".*pulled the kill switch/);
      const audit = (await db.query(`SELECT action, details->>'auto' AS auto FROM midair.audit_log WHERE action = 'kill' ORDER BY id DESC LIMIT 1`)).rows;
      expect(audit).toEqual([{ action: 'kill', auto: 'new error rate' }]);
    } finally {
      await guarded.close();
    }
  });

  it('metrics flushed twice into one bucket add up, latency histograms too', async () => {
    const [{ id }] = (await db.query<{ id: number }>('SELECT id::int AS id FROM midair.migrations')).rows as [{ id: number }];
    const counter = (calls: number, latency: Histogram) => ({ migrationId: id, bucketStart: 1_700_000_000, stage: 'shadow', rampPercent: 0, side: 'new' as const, kind: 'read' as const, calls, errors: 1, mismatches: 0, latency });
    const control = { query: async (sql: string, params?: unknown[]) => (await db.query(sql, params)).rows, exec: async () => {} };
    await addMetrics(control, 'merge-test', [counter(3, { 10: 2, 11: 1 })]);
    await addMetrics(control, 'merge-test', [counter(2, { 11: 1, 40: 1 })]);
    const rows = (await db.query<{ calls: number; errors: number; latency: Histogram }>(`SELECT calls::int, errors::int, latency FROM midair.client_metrics WHERE instance_id = 'merge-test'`)).rows;
    expect(rows).toEqual([{ calls: 5, errors: 2, latency: { 10: 2, 11: 2, 40: 1 } }]);
    expect(count(rows[0]!.latency)).toBe(5);
  });
});

describe('the application client on the embedded database', () => {
  it('follows routing through PGlite notifications and reads and writes both shapes', async () => {
    const folder = tempDir('client-embedded');
    const settings = resolveConfig({ embeddedDir: join(folder.path, 'db') }, { baseDir: folder.path, env: {} });
    const midair = await createMidair({ resolved: settings, service: 'embedded-app', flushIntervalMs: 60_000, pollIntervals: { listeningMs: 600_000 } });
    try {
      await midair.db.exec(`CREATE TABLE users (id serial PRIMARY KEY, name text, email text);
        INSERT INTO users (name, email) VALUES ('Ada Lovelace', 'a@x'), ('Alan Turing', 'b@x')`);
      await midair.start(splitName);
      await midair.backfill();
      const users = midair.migration('split', splitNameClient());
      expect(await users.read({ id: 1 })).toBe('Ada Lovelace');
      // Polling is all but off: only the notification can bring the change this fast.
      const seen = appliedBy(users, (s) => s.stage === 'live' && s.rampPercent === 100);
      await changeRouting(midair.db, 'split', { stage: 'live', percent: 100 });
      await seen;
      expect(users.route({ id: 1 })).toBe('new');
      expect(await users.write({ id: 2, name: 'Grace Hopper' })).toBe(1);
      expect(await users.read({ id: 2 })).toBe('Grace Hopper');
      expect(await midair.db.query('SELECT name, _midair_source AS source FROM users WHERE id = 2')).toEqual([{ name: 'Grace Hopper', source: 'n' }]);
      await midair.flushEvidence();
      expect(await midair.db.query(`SELECT side, kind, calls::int FROM midair.client_metrics WHERE kind = 'write'`)).toEqual([{ side: 'new', kind: 'write', calls: 1 }]);
    } finally {
      await midair.close();
      folder.remove();
    }
  });
});

describe('createMidair with a service resolves settings as the CLI does', () => {
  it('reads midair.config.ts from the working directory, the options given winning', async () => {
    const folder = tempDir('client-config');
    const database = await freshDatabase('client_config');
    writeFileSync(join(folder.path, 'midair.config.ts'), `export default { database: ${JSON.stringify(database.url)}, schema: 'app', traffic: { shadowSample: 0.5, maxErrorRate: 0.2 } };`);
    const cwd = process.cwd();
    const url = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    process.chdir(folder.path);
    try {
      const midair = await createMidair({ service: 'configured', traffic: { shadowSample: 0.25 } });
      expect(midair.config).toMatchObject({ database: database.url, databaseSource: 'config', schema: 'app', configFile: join(folder.path, 'midair.config.ts') });
      expect(midair.config.traffic).toMatchObject({ shadowSample: 0.25, maxErrorRate: 0.2 });
      await midair.close();
    } finally {
      process.chdir(cwd);
      if (url !== undefined) process.env.DATABASE_URL = url;
      await database.drop();
      folder.remove();
    }
  });
});

// Keeps the spec type honest: a spec written against it compiles with the user's own input and value types.
export const example: MigrationSpec<{ id: number }, string> = {
  key: (input) => input.id,
  readOld: async () => 'a',
  readNew: async () => 'a',
  writeOld: async () => undefined,
  writeNew: async () => undefined,
};
