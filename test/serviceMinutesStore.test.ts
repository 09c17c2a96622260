import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../src/db/connect.js';
import type { Executor } from '../src/db/executor.js';
import type { MinuteCount } from '../src/slo/requestCounts.js';
import { addServiceMinutes } from '../src/slo/serviceMinutesStore.js';
import { installControlSchema } from '../src/state/install.js';
import { freshDatabase, type TestDatabase } from './support/databases.js';

const FIRST_MINUTE = Date.UTC(2026, 11, 2, 22, 0);
const MINUTES = 20;
const ROUNDS = 40;
const INSTANCES = 4;

/** One instance's flush: the same 20 minutes, in ascending or descending order as its memory happened to hold them. */
function flushOf(descending: boolean): MinuteCount[] {
  const counts = Array.from({ length: MINUTES }, (_, i) => ({ minute: FIRST_MINUTE + i * 60_000, total: 3, good: 2, timed: 2, fast: 1 }));
  return descending ? counts.reverse() : counts;
}

describe('addServiceMinutes: instances of a service add to the same minute rows (real PostgreSQL)', () => {
  let database: TestDatabase;
  let instances: Executor[] = [];

  beforeAll(async () => {
    database = await freshDatabase('service_minutes');
    instances = await Promise.all(Array.from({ length: INSTANCES }, (_, i) => connect({ database: database.url, embeddedDir: '', applicationName: `instance-${i}`, poolSize: 1 })));
    await installControlSchema(instances[0]!);
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.close()));
    await database?.drop();
  });

  it('instances flushing overlapping minutes in opposite orders at once never deadlock, and every count lands', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      await Promise.all(instances.map((db, i) => addServiceMinutes(db, 'api', flushOf(i % 2 === 1))));
    }
    const rows = await instances[0]!.query<{ total: number; good: number; timed: number; fast: number }>(
      `SELECT total::int, good::int, timed::int, fast::int FROM midair.service_minutes WHERE service = 'api' ORDER BY minute`,
    );
    const flushes = ROUNDS * INSTANCES;
    expect(rows).toEqual(Array.from({ length: MINUTES }, () => ({ total: 3 * flushes, good: 2 * flushes, timed: 2 * flushes, fast: flushes })));
  });
});
