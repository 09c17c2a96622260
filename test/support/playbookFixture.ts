import { demoMigration } from '../../src/demo/migration.js';
import type { RehearsalRecord, TeamConfig } from '../../src/index.js';

/**
 * The team of the playbook tests: four people, the tools with their backups, and the demo
 * migration's people (a tertiary, and an approver of complete who is not an owner).
 */
export const PLAYBOOK_TEAM: TeamConfig = {
  people: {
    ana: { name: 'Ana Lima', timezone: 'Europe/Lisbon', contacts: [{ chat: '@ana' }, { phone: '+351 21 000 0001' }, { email: 'ana@example.com' }] },
    ben: { name: 'Ben Okafor', timezone: 'Europe/Berlin', contacts: [{ phone: '+49 30 0000 0002' }, { email: 'ben@example.com' }] },
    cleo: { name: 'Cleo Park', timezone: 'America/New_York', contacts: [{ pager: 'cleo-pd' }, { email: 'cleo@example.com' }] },
    // The tests connect as postgres: Dana is who keeps the rehearsals (only a verified person may).
    dana: { name: 'Dana Ruiz', timezone: 'Europe/Madrid', contacts: [{ email: 'dana@example.com' }], roles: ['postgres'] },
  },
  tools: {
    warRoom: { primary: 'https://meet.example.com/db-migrations', backup: 'tel:+1-555-0199 (bridge, PIN 4242)', description: 'the call everyone joins' },
    chat: { primary: '#db-migrations on Slack', backup: '#db-migrations on Matrix' },
    pager: { primary: 'PagerDuty service "databases"', backup: 'the on-call phone list in the wiki' },
  },
  migrations: {
    [demoMigration.name]: { owners: { primary: 'ana', secondary: 'ben', tertiary: 'cleo' }, service: 'shop-api', approvals: { complete: { count: 1, from: ['dana'] } } },
  },
};

/**
 * Paging for the golden playbook: two channels at once, PagerDuty falling back to a webhook. Not in
 * PLAYBOOK_TEAM, whose config other tests run verbs under (they would page these addresses).
 */
export const PLAYBOOK_PAGING: NonNullable<TeamConfig['paging']> = {
  escalateAfterMinutes: 10,
  channels: [
    { name: 'pagerduty', kind: 'pagerduty', url: 'https://events.pagerduty.com/v2/enqueue', routingKey: 'R0UT1NG', backup: 'ops-hook' },
    { name: 'slack', kind: 'slack', url: 'https://hooks.slack.example.com/services/T0/B0/X' },
    { name: 'ops-hook', kind: 'webhook', url: 'https://ops.example.com/midair' },
  ],
};

/** A rehearsal of the demo migration that Ana and Cleo attended (Ben, the secondary, did not). */
export function demoRehearsal(checksum: string): RehearsalRecord {
  return {
    migration: demoMigration.name,
    checksum,
    startedAt: '2026-11-20T14:03:00.000Z',
    endedAt: '2026-11-20T14:04:12.500Z',
    ok: true,
    attendees: ['ana', 'cleo'],
    database: 'postgres 127.0.0.1:5432/shop_staging',
    stages: [
      { stage: 'copy', seconds: 3.2 },
      { stage: 'start', seconds: 0.8 },
      { stage: 'backfill', seconds: 12.4 },
      { stage: 'verify', seconds: 2.1 },
      { stage: 'shadow', seconds: 5.3 },
      { stage: 'live 10%', seconds: 4.9 },
      { stage: 'live 50%', seconds: 5 },
      { stage: 'kill switch', seconds: 5.2 },
      { stage: 'live 50% again', seconds: 5.1 },
      { stage: 'live 100%', seconds: 5 },
      { stage: 'rampdown', seconds: 6.4 },
      { stage: 'verify again', seconds: 2.2 },
      { stage: 'complete', seconds: 1.7 },
      { stage: 'after complete', seconds: 5 },
      { stage: 'check', seconds: 0.4 },
    ],
  };
}
