/**
 * A backfill in a process of its own, for the tests that kill it or run two at once:
 * `node --import tsx test/support/backfillChild.ts <url> <workers> <batchSize> <targetBatchMs> <maxRowsPerSecond> [config JSON] [migration]`
 * (the config's fields, e.g. services and team, go to createMidair; the migration defaults to the only active one).
 * Prints one JSON line per progress report, then {"result": ...}.
 */
import { createMidair } from '../../src/index.js';

const [url, workers, batchSize, targetBatchMs, maxRowsPerSecond, config, migration] = process.argv.slice(2);
const midair = await createMidair({
  ...(config ? JSON.parse(config) : {}),
  database: url!,
  backfill: { batchSize: Number(batchSize), targetBatchMs: Number(targetBatchMs) },
  reporter: { step() {}, warn: (message) => console.error(message), progress: (p) => console.log(JSON.stringify({ progress: p })) },
});
try {
  const result = await midair.backfill({ migration, workers: Number(workers), throttle: { maxReplicationLagMs: 0, probeSql: null, commitProbe: false, maxRowsPerSecond: Number(maxRowsPerSecond) } });
  console.log(JSON.stringify({ result }));
} finally {
  await midair.close();
}
