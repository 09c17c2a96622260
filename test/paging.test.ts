import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../src/db/connect.js';
import type { Executor } from '../src/db/executor.js';
import { defineMigration, MidairError, MidairRefusal, MidairStepFailure, op } from '../src/index.js';
import type { Actor } from '../src/people/actor.js';
import { acknowledge, alertOfError, escalateDue, openPages, type Alert, type PageEvent } from '../src/people/paging/index.js';
import { auditAttempt, notify } from '../src/people/paging/notify.js';
import { raise } from '../src/people/paging/raise.js';
import { pageTest } from '../src/people/paging/pageTest.js';
import { deliver } from '../src/people/paging/send.js';
import type { PagingChannel } from '../src/people/team.js';
import { installControlSchema } from '../src/state/install.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';
import { OWNERS, pagingTeam } from './support/pagingTeam.js';
import { refusingUrl, startReceiver, type Answer, type Receiver } from './support/receiver.js';

const T0 = new Date('2026-03-02T10:00:00.000Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
const ALICE: Actor = { person: 'alice', via: 'role', label: 'alice' };
const BOB: Actor = { person: 'bob', via: 'role', label: 'bob' };
const noWait = async () => {};

const migration = defineMigration({
  name: 'price_cents',
  owners: OWNERS,
  operations: [op.addColumn({ table: 'items', column: { name: 'cents', type: 'integer' }, up: '0' })],
});

const EVENT: PageEvent = {
  event: 'guard fired',
  migration: 'price_cents',
  stage: 'live',
  person: { id: 'alice', name: 'Alice Archer', contacts: [{ email: 'alice@example.com' }, { phone: '+49 30 1234567' }], owner: 'primary' },
  message: 'guard "new error rate": 5% of 100 calls failed',
  level: 'critical',
  at: '2026-03-02T10:00:00.000Z',
  links: { guide: 'docs/people.md#paging-and-escalation', acknowledge: 'midair ack price_cents', status: 'midair status', gates: 'midair gates price_cents' },
  dedupKey: 'midair/price_cents/guard fired',
};

const GUARD: Alert = { event: 'guard fired', level: 'critical', migration: 'price_cents', stage: 'live', message: 'guard "new error rate": 5% of 100 calls failed' };

describe('paging: payloads, retries, backups, escalation, ack (real PostgreSQL, a local HTTP receiver)', () => {
  let database: TestDatabase;
  let db: Executor;
  let receiver: Receiver;
  let answers: (n: number, path: string) => Answer;

  beforeAll(async () => {
    database = await freshDatabase('paging');
    db = await connect({ database: database.url, embeddedDir: '', applicationName: 'midair-test' });
    await installControlSchema(db);
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    answers = () => 200;
    receiver = await startReceiver((n, path) => answers(n, path));
    await db.exec('TRUNCATE midair.pages, midair.audit_log');
  });
  afterEach(async () => {
    await receiver.close();
  });

  const webhook = (extra: Partial<PagingChannel> = {}): PagingChannel => ({ name: 'hook', kind: 'webhook', url: receiver.url('/hook'), ...extra });
  const slack = (extra: Partial<PagingChannel> = {}): PagingChannel => ({ name: 'slack', kind: 'slack', url: receiver.url('/slack'), ...extra });
  const pagerduty = (extra: Partial<PagingChannel> = {}): PagingChannel => ({ name: 'pd', kind: 'pagerduty', url: receiver.url('/pd'), routingKey: 'R0UT1NGKEY', ...extra });

  async function auditRows() {
    return db.query<{ action: string; migration: string | null; person: string | null; details: Record<string, unknown> }>(
      'SELECT action, migration, person, details FROM midair.audit_log ORDER BY id',
    );
  }

  it('the generic webhook gets the documented JSON: event, migration, stage, the person paged with their contacts, message, level, at, links', async () => {
    await notify(db, ALICE, { channels: [webhook()] }, EVENT);
    expect(receiver.bodies('/hook')).toEqual([{
      source: 'midair',
      version: 1,
      event: 'guard fired',
      migration: 'price_cents',
      stage: 'live',
      level: 'critical',
      message: 'guard "new error rate": 5% of 100 calls failed',
      at: '2026-03-02T10:00:00.000Z',
      person: { id: 'alice', name: 'Alice Archer', contacts: [{ email: 'alice@example.com' }, { phone: '+49 30 1234567' }], owner: 'primary' },
      links: { guide: 'docs/people.md#paging-and-escalation', acknowledge: 'midair ack price_cents', status: 'midair status', gates: 'midair gates price_cents' },
      dedupKey: 'midair/price_cents/guard fired',
    }]);
  });

  it('a Slack-compatible incoming webhook gets { text, blocks }', async () => {
    await notify(db, ALICE, { channels: [slack()] }, EVENT);
    expect(receiver.bodies('/slack')).toEqual([{
      text: '[midair] critical: guard "new error rate": 5% of 100 calls failed for Alice Archer (primary owner)',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: '*guard fired* (critical): guard "new error rate": 5% of 100 calls failed' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Migration:* price_cents\n*Stage:* live\n*Paged:* Alice Archer (primary owner): email alice@example.com, phone +49 30 1234567\n*Acknowledge:* `midair ack price_cents`' } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'midair · 2026-03-02T10:00:00.000Z' }] },
      ],
    }]);
  });

  it('PagerDuty gets an Events API v2 trigger, and an acknowledge with the same dedup_key', async () => {
    await notify(db, ALICE, { channels: [pagerduty()] }, EVENT);
    await notify(db, BOB, { channels: [pagerduty()] }, { ...EVENT, event: 'acknowledged', level: 'info', message: 'bob acknowledged' });
    expect(receiver.bodies('/pd')).toEqual([
      {
        routing_key: 'R0UT1NGKEY',
        event_action: 'trigger',
        dedup_key: 'midair/price_cents/guard fired',
        payload: {
          summary: 'guard "new error rate": 5% of 100 calls failed',
          source: 'midair/price_cents',
          severity: 'critical',
          timestamp: '2026-03-02T10:00:00.000Z',
          custom_details: { event: 'guard fired', migration: 'price_cents', stage: 'live', person: EVENT.person, links: EVENT.links },
        },
      },
      { routing_key: 'R0UT1NGKEY', event_action: 'acknowledge', dedup_key: 'midair/price_cents/guard fired' },
    ]);
  });

  it('PagerDuty gets no info event (it would open an incident nobody closes); the other channels do', async () => {
    const info: PageEvent = { ...EVENT, event: 'stage changed', level: 'info', message: 'moved to shadow' };
    const deliveries = await notify(db, ALICE, { channels: [pagerduty(), webhook()] }, info);
    expect(deliveries.map((d) => d.channel)).toEqual(['hook']);
    expect(receiver.bodies('/pd')).toEqual([]);
    expect(receiver.bodies('/hook')).toMatchObject([{ event: 'stage changed' }]);
    // Nor as a backup: the info event goes on to the backup's backup.
    const down: PagingChannel = { name: 'down', kind: 'webhook', url: await refusingUrl(), retries: 0, backup: 'pd' };
    const delivery = await deliver([down, pagerduty({ backup: 'slack' }), slack()], down, info, { backoff: noWait });
    expect(delivery).toMatchObject({ deliveredBy: 'slack', attempts: [{ channel: 'down' }, { channel: 'slack' }] });
    expect(receiver.bodies('/pd')).toEqual([]);
  });

  it('page-test triggers a PagerDuty test incident and resolves it right after, with the same dedup_key', async () => {
    const deliveries = await pageTest(db, ALICE, { channels: [pagerduty()] }, T0, { backoff: noWait });
    expect(deliveries).toMatchObject([{ channel: 'pd', deliveredBy: 'pd' }]);
    const [trigger, resolve] = receiver.bodies('/pd');
    expect(trigger).toMatchObject({ event_action: 'trigger', dedup_key: 'midair/test/2026-03-02T10:00:00.000Z', payload: { severity: 'info' } });
    expect(resolve).toEqual({ routing_key: 'R0UT1NGKEY', event_action: 'resolve', dedup_key: 'midair/test/2026-03-02T10:00:00.000Z' });
  });

  it('a channel that answers 500 is retried, with the backoff between tries, and every try is audited', async () => {
    answers = (n) => (n === 1 ? 500 : 200);
    const waited: number[] = [];
    const [delivery] = await notify(db, ALICE, { channels: [webhook({ retries: 2 })] }, EVENT, { backoff: async (retry) => void waited.push(retry) });
    expect(delivery).toMatchObject({ channel: 'hook', deliveredBy: 'hook', attempts: [{ attempt: 1, ok: false, status: 500 }, { attempt: 2, ok: true, status: 200 }] });
    expect(waited).toEqual([1]);
    expect(receiver.bodies('/hook')).toHaveLength(2);
    const rows = await auditRows();
    expect(rows.map((r) => r.action)).toEqual(['page retry', 'page sent']);
    expect(rows[0]).toMatchObject({ migration: 'price_cents', person: 'alice', details: { channel: 'hook', attempt: 1, status: 500, error: 'answered 500', event: 'guard fired', owner: 'primary' } });
    expect(rows[1]).toMatchObject({ details: { channel: 'hook', attempt: 2, status: 200 } });
  });

  it('no secret reaches an error text or the audit log: not the body a receiver answers, nor a password in a channel URL', async () => {
    answers = () => 500;
    await notify(db, ALICE, { channels: [pagerduty({ retries: 0 })] }, EVENT, { backoff: noWait });
    const withPassword = receiver.url('/hook').replace('http://', 'http://user:s3cret@');
    const delivery = await deliver([], webhook({ url: withPassword, retries: 0 }), EVENT, { backoff: noWait, onAttempt: auditAttempt(db, ALICE) });
    expect(delivery.attempts).toMatchObject([{ ok: false, status: null, error: 'the request could not be sent' }]);
    const rows = await auditRows();
    expect(rows.map((r) => [r.action, r.details.status, r.details.error])).toEqual([['page failed', 500, 'answered 500'], ['page failed', null, 'the request could not be sent']]);
    expect(JSON.stringify(rows)).not.toMatch(/receiver says no|s3cret|R0UT1NGKEY/);
  });

  it('a receiver that never answers times out after timeoutMs, and the failure is audited', async () => {
    answers = () => 'hang';
    const [delivery] = await notify(db, ALICE, { channels: [webhook({ timeoutMs: 50, retries: 1 })] }, EVENT, { backoff: noWait });
    expect(delivery).toMatchObject({ deliveredBy: null, attempts: [{ ok: false, status: null, error: 'timed out after 50 ms' }, { ok: false, error: 'timed out after 50 ms' }] });
    expect((await auditRows()).map((r) => [r.action, r.details.error])).toEqual([['page retry', 'timed out after 50 ms'], ['page failed', 'timed out after 50 ms']]);
  });

  it('after its retries fail, the backup channel takes the notification; a backup is not sent to on its own', async () => {
    const primary: PagingChannel = { name: 'hook', kind: 'webhook', url: await refusingUrl(), retries: 1, backup: 'slack' };
    const deliveries = await notify(db, ALICE, { channels: [primary, slack()] }, EVENT, { backoff: noWait });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ channel: 'hook', deliveredBy: 'slack', attempts: [{ channel: 'hook', ok: false, error: 'ECONNREFUSED' }, { channel: 'hook', ok: false }, { channel: 'slack', ok: true }] });
    expect(receiver.bodies('/slack')).toHaveLength(1);
    expect((await auditRows()).map((r) => [r.action, r.details.channel, r.details.backup])).toEqual([
      ['page retry', 'hook', undefined],
      ['page failed', 'hook', 'slack'],
      ['page sent', 'slack', undefined],
    ]);
  });

  it('a chain of backups that loops back ends when every channel was tried once', async () => {
    const a: PagingChannel = { name: 'a', kind: 'webhook', url: await refusingUrl(), retries: 0, backup: 'b' };
    const b: PagingChannel = { name: 'b', kind: 'webhook', url: await refusingUrl(), retries: 0, backup: 'a' };
    const delivery = await deliver([a, b], a, EVENT, { backoff: noWait });
    expect(delivery.deliveredBy).toBeNull();
    expect(delivery.attempts.map((t) => t.channel)).toEqual(['a', 'b']);
  });

  it('an alert pages the primary; unacknowledged, the secondary after escalateAfterMinutes, then the tertiary, then nobody more', async () => {
    const team = pagingTeam([webhook()], { escalateAfterMinutes: 15 });
    const { page } = await raise(db, ALICE, team, GUARD, T0, { definition: migration });
    expect(page).toMatchObject({ migration: 'price_cents', chain: ['alice', 'bob', 'carol'], tier: 0 });
    const escalate = (at: Date) => escalateDue(db, team, at, { actor: ALICE, backoff: noWait });
    expect(await escalate(minutes(14))).toEqual([]);
    expect(await escalate(minutes(15))).toMatchObject([{ migration: 'price_cents', from: 'alice', to: 'bob', owner: 'secondary' }]);
    // Each owner is paged once: the next check right after finds nothing due.
    expect(await escalate(minutes(16))).toEqual([]);
    expect(await escalate(minutes(29))).toEqual([]);
    expect(await escalate(minutes(30))).toMatchObject([{ from: 'bob', to: 'carol', owner: 'tertiary' }]);
    expect(await escalate(minutes(600))).toEqual([]);
    const paged = receiver.bodies('/hook').map((b) => [(b.person as { id: string }).id, (b.person as { owner: string }).owner, b.at]);
    expect(paged).toEqual([
      ['alice', 'primary', '2026-03-02T10:00:00.000Z'],
      ['bob', 'secondary', '2026-03-02T10:15:00.000Z'],
      ['carol', 'tertiary', '2026-03-02T10:30:00.000Z'],
    ]);
    expect(receiver.bodies('/hook')[1]!.message).toBe('guard "new error rate": 5% of 100 calls failed (escalated: alice did not acknowledge within 15 min)');
    const escalated = (await auditRows()).filter((r) => r.action === 'page escalated').map((r) => [r.details.from, r.details.to]);
    expect(escalated).toEqual([['alice', 'bob'], ['bob', 'carol']]);
    expect(await openPages(db, 'price_cents')).toMatchObject([{ tier: 2 }]);
  });

  it('escalation waits 15 minutes when escalateAfterMinutes is not set', async () => {
    const team = pagingTeam([webhook()]);
    await raise(db, ALICE, team, GUARD, T0, { definition: migration });
    expect(await escalateDue(db, team, minutes(14.9), { actor: ALICE })).toEqual([]);
    expect(await escalateDue(db, team, minutes(15), { actor: ALICE })).toMatchObject([{ to: 'bob' }]);
  });

  it('after `ack` nobody more is paged; the ack is audited with the verified person and sent as a PagerDuty acknowledge', async () => {
    const team = pagingTeam([pagerduty()], { escalateAfterMinutes: 15 });
    await raise(db, ALICE, team, GUARD, T0, { definition: migration });
    const acked = await acknowledge(db, BOB, team, 'price_cents', minutes(5));
    expect(acked.acknowledged).toMatchObject([{ event: 'guard fired', ackedBy: 'bob', ackedAt: '2026-03-02T10:05:00.000Z' }]);
    expect(await escalateDue(db, team, minutes(60), { actor: ALICE })).toEqual([]);
    expect(receiver.bodies('/pd').map((b) => b.event_action)).toEqual(['trigger', 'acknowledge']);
    const rows = await auditRows();
    expect(rows.find((r) => r.action === 'page acknowledged')).toMatchObject({ migration: 'price_cents', person: 'bob', details: { pages: [{ event: 'guard fired', paged: 'alice' }] } });
    expect((await acknowledge(db, BOB, team, 'price_cents', minutes(6))).acknowledged).toEqual([]);
  });

  it('an info alert (a stage change) informs the primary and opens no page', async () => {
    const team = pagingTeam([webhook()]);
    const { page } = await raise(db, ALICE, team, { event: 'stage changed', level: 'info', migration: 'price_cents', stage: 'shadow', message: 'moved' }, T0, { definition: migration });
    expect(page).toBeNull();
    expect(receiver.bodies('/hook')).toMatchObject([{ event: 'stage changed', person: { id: 'alice' } }]);
    expect(await escalateDue(db, team, minutes(600), { actor: ALICE })).toEqual([]);
  });

  it('a migration without owners still reaches the channels, naming nobody, and opens no page', async () => {
    const team = pagingTeam([webhook()]);
    const { page } = await raise(db, ALICE, team, GUARD, T0, { definition: { ...migration, owners: undefined } });
    expect(page).toBeNull();
    expect(receiver.bodies('/hook')).toMatchObject([{ event: 'guard fired', person: null }]);
  });
});

describe('which failures of a verb page (pure)', () => {
  it('a refusal for approvals is an approval waiting (warning); other refusals page nobody; any other error is a failed step (critical)', () => {
    expect(alertOfError('complete', 'price_cents', new MidairRefusal('approval', 'complete needs 1 approval, has 0'))).toEqual({
      event: 'approval waiting', level: 'warning', migration: 'price_cents', stage: null, message: '`midair complete` of migration price_cents waits for approval: complete needs 1 approval, has 0',
    });
    expect(alertOfError('advance', 'price_cents', new MidairRefusal('soak', 'not soaked'))).toBeNull();
    expect(alertOfError('backfill', null, new Error('connection reset'))).toMatchObject({ event: 'step failed', level: 'critical', migration: null, message: '`midair backfill` failed: connection reset' });
  });

  it('a step that failed once its work began pages; a check on the input (a MidairError) pages nobody', () => {
    expect(alertOfError('start', 'price_cents', new MidairStepFailure('expand failed at `SELECT 1 / 0`: division by zero'))).toMatchObject({ event: 'step failed', level: 'critical' });
    expect(alertOfError('advance', 'price_cents', new MidairError('"livee" is not a stage `midair advance` moves migration "price_cents" to', 'give one of: shadow, live, complete'))).toBeNull();
    expect(alertOfError('migrate-rows', 'price_cents', new MidairError('name the rows to migrate with keys or with a where condition (one of the two)'))).toBeNull();
  });
});
