import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect } from '../src/db/connect.js';
import type { Executor } from '../src/db/executor.js';
import { defineMigration, op } from '../src/index.js';
import { raise } from '../src/people/paging/raise.js';
import { installControlSchema } from '../src/state/install.js';
import { freshDatabase, tempDir, type TestDatabase } from './support/databases.js';
import { OWNERS, pagingTeam } from './support/pagingTeam.js';
import { peopleRoles, type PeopleRoles } from './support/people.js';
import { makeProject } from './support/project.js';
import { expectSuccess, jsonOf, runCli } from './support/runCli.js';
import { refusingUrl, startReceiver, type Receiver } from './support/receiver.js';

const PRICE_CENTS = defineMigration({ name: 'price_cents', owners: OWNERS, operations: [op.sql({ up: 'SELECT 1', down: 'SELECT 1' })] });

describe('midair page-test, pager and ack on the command line (real PostgreSQL, a local HTTP receiver)', () => {
  let database: TestDatabase;
  let roles: PeopleRoles;
  let asAlice: Executor;
  let receiver: Receiver;
  let dir: ReturnType<typeof tempDir>;
  const cli = (...args: string[]) => runCli(dir.path, [...args, '--database', roles.urlOf('alice', database.name)]);

  beforeAll(async () => {
    database = await freshDatabase('paging_cli');
    roles = await peopleRoles(['alice']);
    receiver = await startReceiver();
    const team = pagingTeam([
      { name: 'hook', kind: 'webhook', url: receiver.url('/hook') },
      { name: 'down', kind: 'slack', url: await refusingUrl(), retries: 0 },
    ], { escalateAfterMinutes: 15, roles: { alice: roles.role.alice! } });
    dir = tempDir('paging-cli');
    makeProject(dir.path, { 'midair.config.mjs': `export default ${JSON.stringify({ team })};\n` });
    asAlice = await connect({ database: roles.urlOf('alice', database.name), embeddedDir: '', applicationName: 'midair-test alice' });
    await installControlSchema(asAlice);
    // A page twenty minutes old, not acknowledged: due for the secondary.
    const alert = { event: 'step failed', level: 'critical', migration: 'price_cents', stage: 'expanded', message: 'backfill failed' } as const;
    await raise(asAlice, { person: 'alice', via: 'role', label: 'alice' }, team, alert, new Date(Date.now() - 20 * 60_000), { definition: PRICE_CENTS });
  });
  afterAll(async () => {
    await receiver?.close();
    await asAlice?.close();
    await database?.drop();
    await roles?.drop();
    dir?.remove();
  });

  test('page-test reports each channel and exits 1 when one fails; pager --once escalates what is due; ack stops it, once', async () => {
    const tested = await cli('page-test', '--json');
    expect(tested.code).toBe(1);
    expect(jsonOf(tested)).toMatchObject({ ok: false, failed: ['down'], channels: [{ channel: 'hook', deliveredBy: 'hook' }, { channel: 'down', deliveredBy: null }] });
    expect((await cli('page-test')).stdout).toContain('  down: FAILED after 1 tries: ECONNREFUSED');

    expect(jsonOf(expectSuccess(await cli('pager', '--once', '--json'), 'pager --once'))).toMatchObject({ ok: true, escalations: [{ migration: 'price_cents', from: 'alice', to: 'bob', owner: 'secondary' }] });
    expect(expectSuccess(await cli('pager', '--once'), 'pager --once').stdout).toBe('no page is due for escalation\n');

    expect(jsonOf(expectSuccess(await cli('ack', 'price_cents', '--json'), 'ack'))).toMatchObject({ ok: true, migration: 'price_cents', acknowledged: [{ event: 'step failed', ackedBy: 'alice' }] });
    expect(expectSuccess(await cli('ack', 'price_cents'), 'ack again').stdout).toBe('no open pages for "price_cents"; nothing to acknowledge\n');
    expect(receiver.bodies('/hook').map((b) => b.event)).toEqual(['step failed', 'test', 'test', 'step failed', 'acknowledged']);
  });
});
