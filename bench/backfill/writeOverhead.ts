import { connectClient } from './database.js';
import type { Method } from './method.js';
import type { Bench } from './trial.js';
import { freshUsers } from './usersTable.js';

const CONNECTIONS = 4;
const ROUNDS = 4;
const RUN_SECONDS = 1.5;
const NAMES = ['Ann Smith', 'Bob Jones', 'Cy Lee', 'Dee', 'Eve Van der Berg'];

/**
 * Single-row updates per second through the old shape, as fast as a few connections go: what the
 * application's writes cost. With a migration active every one of them runs the sync trigger.
 */
async function updatesPerSecond(url: string, rows: number, seconds: number): Promise<number> {
  const clients = await Promise.all(Array.from({ length: CONNECTIONS }, (_, i) => connectClient(url, `bench writer ${i + 1}`)));
  const until = performance.now() + seconds * 1000;
  let ops = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client, i) => {
      while (performance.now() < until) {
        const id = 1 + Math.floor(Math.random() * rows);
        await client.query('UPDATE users SET name = $2 WHERE id = $1', [id, NAMES[(id + i) % NAMES.length]]);
        ops++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  return ops / elapsed;
}

/**
 * The same table with the migration active (started, rows not yet backfilled: each write also
 * fills the row's new columns, the costlier case) and with no migration (rolled back), in
 * short alternating runs in the order ABBA, so drift of a shared machine falls on both alike. Each
 * run starts vacuumed and checkpointed, so none inherits another's pruning or full-page writes.
 */
export async function writeOverhead(bench: Bench, migration: Method): Promise<{ active: number; none: number }> {
  await freshUsers(bench.db, bench.rows);
  const sum = { active: 0, none: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? (['active', 'none'] as const) : (['none', 'active'] as const)) {
      if (mode === 'active') await migration.prepare();
      await bench.db.query('VACUUM users');
      await bench.db.query('CHECKPOINT');
      sum[mode] += await updatesPerSecond(bench.url, bench.rows, RUN_SECONDS);
      if (mode === 'active') await migration.cleanup();
    }
  }
  return { active: sum.active / ROUNDS, none: sum.none / ROUNDS };
}
