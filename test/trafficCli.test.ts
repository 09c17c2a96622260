import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Midair } from '../src/index.js';
import { tempDir } from './support/databases.js';
import { makeProject } from './support/project.js';
import { expectSuccess, jsonOf, runCli } from './support/runCli.js';
import { compares, openTrafficDatabase, reportMetrics, TEST_BOUNDS } from './support/trafficEvidence.js';

// The CLI reads its bounds from the project's config file, as a user's would.
const CONFIG = `export default ${JSON.stringify({ traffic: TEST_BOUNDS })};\n`;

describe('the operator verbs of moving traffic on the command line (real PostgreSQL)', () => {
  let fixture: Awaited<ReturnType<typeof openTrafficDatabase>>;
  let dir: ReturnType<typeof tempDir>;
  let midair: Midair;
  let id: number;
  const cli = (...args: string[]) => runCli(dir.path, [...args, '--database', fixture.url]);

  beforeAll(async () => {
    fixture = await openTrafficDatabase('traffic_cli', TEST_BOUNDS);
    dir = tempDir('traffic-cli');
    makeProject(dir.path, { 'midair.config.mjs': CONFIG });
    ({ midair, id } = await fixture.reset());
    await midair.backfill();
    await midair.verify();
  });
  afterAll(async () => {
    await fixture?.close();
    dir?.remove();
  });

  test('advance, gates, ramp, canary, kill, status and mismatches: --json shapes, refusals exit 2, bad input exits 1', async () => {
    const skipped = await cli('advance', 'price_cents', 'live', '--json');
    expect(skipped.code).toBe(2);
    expect(jsonOf(skipped)).toMatchObject({ ok: false, refused: 'stage', error: 'migration "price_cents" is expanded, so it cannot become live' });

    expect(jsonOf(expectSuccess(await cli('advance', 'price_cents', 'shadow', '--json'), 'advance shadow'))).toEqual({
      ok: true, migration: 'price_cents', from: 'expanded', stage: 'shadow', rampPercent: 0, released: null, forced: null,
    });

    const gates = await cli('gates', 'price_cents', '--json');
    expect(gates.code).toBe(0);
    expect(jsonOf(gates)).toMatchObject({
      ok: true, migration: 'price_cents', stage: 'shadow', rampPercent: 0, killed: null,
      moves: [{
        to: 'live', command: 'midair advance price_cents live [--percent <percent>]', open: false, note: null,
        gates: [
          { name: 'verified', forceable: true, passed: true, message: null },
          { name: 'shadow compares', forceable: true, passed: false, numbers: { compares: 0, minCompares: 100 }, message: expect.stringMatching(/has 0 compares in shadow/) },
        ],
      }],
    });
    const gatesText = expectSuccess(await cli('gates', 'price_cents'), 'gates').stdout;
    expect(gatesText).toContain('closed: midair advance price_cents live [--percent <percent>]');
    expect(gatesText).toMatch(/ {2}FAIL {2}shadow compares {2}\[compares=0 mismatches=0 mismatchRate=- minCompares=100 maxMismatchRate=0.01\]/);

    await reportMetrics(fixture.db, id, [compares('shadow', 150, 1)]);
    expect(jsonOf(expectSuccess(await cli('advance', 'price_cents', 'live', '--percent', '10', '--json'), 'advance live'))).toMatchObject({ ok: true, stage: 'live', rampPercent: 10 });

    const bad = await cli('ramp', 'price_cents', '150', '--json');
    expect(bad.code).toBe(1);
    expect(jsonOf(bad)).toMatchObject({ ok: false, error: 'ramp percentage "150" for migration "price_cents" is not a number from 0 to 100' });
    expect(jsonOf(expectSuccess(await cli('ramp', 'price_cents', '5', '--json'), 'ramp down'))).toEqual({ ok: true, migration: 'price_cents', fromPercent: 10, rampPercent: 5, changed: true, forced: null });

    writeFileSync(join(dir.path, 'staff.txt'), '# staff\n7\nada lovelace\n');
    const badFile = await cli('canary', 'price_cents', 'add', '--file', 'staff.txt', '--set', 'staff');
    expect(badFile.code).toBe(1);
    expect(badFile.stderr).toContain('error: staff.txt:3: "ada lovelace" is not one key');
    writeFileSync(join(dir.path, 'staff.txt'), '# staff\n7\nada\n');
    expect(jsonOf(expectSuccess(await cli('canary', 'price_cents', 'add', '1', '--file', 'staff.txt', '--set', 'staff', '--json'), 'canary add'))).toEqual({
      ok: true, migration: 'price_cents', set: 'staff', changed: 3, size: 3,
    });
    expect(jsonOf(expectSuccess(await cli('canary', 'price_cents', 'list', '--json'), 'canary list'))).toEqual({ ok: true, migration: 'price_cents', sets: { staff: ['1', '7', 'ada'] } });

    expect(jsonOf(expectSuccess(await cli('kill', 'price_cents', '--reason', 'drill', '--json'), 'kill'))).toMatchObject({
      ok: true, migration: 'price_cents', stage: 'live', fromPercent: 5, alreadyKilled: false, killed: { reason: 'drill', by: expect.any(String), at: expect.any(String) },
    });

    await fixture.db.query(`INSERT INTO midair.client_instances (migration_id, instance_id, service, stage, ramp_percent) VALUES ($1, 'api-1', 'accounts-api', 'live', 0)`, [id]);
    await fixture.db.query(`INSERT INTO midair.client_mismatches (migration_id, instance_id, stage, key, old_value, new_value) VALUES ($1, 'api-1', 'shadow', '42', '"100"', '10000')`, [id]);
    const status = jsonOf<{ active: { traffic: Record<string, unknown> }[] }>(expectSuccess(await cli('status', '--json'), 'status --json'));
    expect(status.active[0]!.traffic).toMatchObject({
      rampPercent: 0, killed: { reason: 'drill' }, canary: { staff: 3 },
      instances: [{ service: 'accounts-api', id: 'api-1', stage: 'live', rampPercent: 0, oldUsedAt: null }],
      window: { windowSeconds: 60, stage: 'live', compares: { compares: 0 } },
    });
    const statusText = expectSuccess(await cli('status'), 'status').stdout;
    expect(statusText).toMatch(/ {2}KILLED: every record on the old shape \(.+: drill\); `midair advance price_cents live` resumes/);
    expect(statusText).toContain('  canary sets: staff: 3');
    expect(statusText).toMatch(/ {2}instance accounts-api api-1: live 0%, last seen /);

    expect(jsonOf(expectSuccess(await cli('mismatches', 'price_cents', '--limit', '5', '--json'), 'mismatches'))).toMatchObject({
      ok: true, migration: 'price_cents', stage: 'live', stored: 1,
      compares: { compares: 150, mismatches: 1 },
      mismatches: [{ instance: 'api-1', stage: 'shadow', key: '42', old: '100', new: 10000, aa: false }],
    });
  });
});
