/**
 * `npm run bench:client -- [--database <url>] [--seconds <n>] [--rounds <n>] [--json]`: what the
 * application client costs per read and per write against the same query run directly on a pool
 * of the same size (writes in the same transaction shape, BEGIN / UPDATE / COMMIT), at `expanded`
 * (old only) and at `shadow` with every read compared. Reads are also measured against the same
 * query in the transaction shape the client gives every call (BEGIN READ ONLY; SET LOCAL
 * search_path / SELECT / COMMIT, pipelined as the client does): what is left is the client's own
 * routing and bookkeeping. Not a test: it prints figures and ratios measured in the same run.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createMidair } from '../src/index.js';
import { createUsers, splitName } from '../test/support/backfillFixture.js';
import { changeRouting } from '../test/support/routingControl.js';
import { splitNameClient } from '../test/support/splitNameClient.js';
import { connectClient, createBenchDatabase } from './backfill/database.js';

const { values } = parseArgs({
  options: {
    database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const ROWS = 10_000;
/** Connections of both pools, and requests in flight at once. */
const POOL = 4;
const TARGETS = { expanded: 1.05, shadow: 2 };

const say = (message: string) => process.stderr.write(`${message}\n`);

/** Operations per second of `op` run by `lanes` callers at once for SECONDS. */
async function throughput(op: (id: number) => Promise<unknown>, lanes: number): Promise<number> {
  const until = performance.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(Array.from({ length: lanes }, async (_, lane) => {
    for (let i = lane; performance.now() < until; i += lanes) {
      await op(1 + (i * 7919) % ROWS);
      done++;
    }
  }));
  return done / SECONDS;
}

const database = await createBenchDatabase(values.database);
try {
  const setup = await connectClient(database.url, 'bench setup');
  await createUsers(setup, ROWS);
  await setup.end();
  const operator = await createMidair({ database: database.url });
  await operator.start(splitName);
  await operator.backfill();

  const direct = new pg.Pool({ connectionString: database.url, application_name: 'bench direct', max: POOL });
  const directRead = (id: number) => direct.query('SELECT name FROM users WHERE id = $1', [id]);
  const shaped = new pg.Pool({ connectionString: database.url, application_name: 'bench shaped', max: POOL, pipeline: true });
  const shapedRead = async (id: number) => {
    const c = await shaped.connect();
    const begin = c.query('BEGIN READ ONLY; SET LOCAL search_path TO "public"');
    const result = await c.query('SELECT name FROM users WHERE id = $1', [id]);
    await begin;
    void c.query('COMMIT');
    c.release();
    return result;
  };
  const directWrite = async (id: number) => {
    const c = await direct.connect();
    try {
      await c.query('BEGIN');
      await c.query('UPDATE users SET name = $1 WHERE id = $2', [`Bench ${id}`, id]);
      await c.query('COMMIT');
    } finally {
      c.release();
    }
  };
  const app = await createMidair({ database: database.url, service: 'bench', poolSize: POOL });
  const users = app.migration('split', splitNameClient({ shadowSample: 1 }));
  const clientRead = (id: number) => users.read({ id });
  const clientWrite = (id: number) => users.write({ id, name: `Bench ${id}` });

  interface Result { stage: string; op: string; inFlight: number; directPerSecond: number; shapedPerSecond: number | null; clientPerSecond: number; ratio: number; ratioToShaped: number | null; target: number }
  const results: Result[] = [];
  for (const stage of ['expanded', 'shadow'] as const) {
    await changeRouting(database.url, 'split', { stage });
    while (users.routing()?.stage !== stage) await users.read({ id: 1 });
    for (const [op, directOp, shapedOp, clientOp] of [['read', directRead, shapedRead, clientRead], ['write', directWrite, null, clientWrite]] as const) {
      // One caller at a time: the latency a request sees. POOL callers: the pool saturated, where
      // every extra statement on the server counts.
      for (const inFlight of [1, POOL]) {
        // Rounds alternate direct and client, so drift of a shared machine falls on both; the best of each counts.
        let best = { direct: 0, shaped: 0, client: 0 };
        for (let round = 0; round < ROUNDS; round++) {
          best = {
            direct: Math.max(best.direct, await throughput(directOp, inFlight)),
            shaped: shapedOp ? Math.max(best.shaped, await throughput(shapedOp, inFlight)) : 0,
            client: Math.max(best.client, await throughput(clientOp, inFlight)),
          };
        }
        const ratio = best.direct / best.client;
        const ratioToShaped = shapedOp ? best.shaped / best.client : null;
        results.push({ stage, op, inFlight, directPerSecond: best.direct, shapedPerSecond: shapedOp ? best.shaped : null, clientPerSecond: best.client, ratio, ratioToShaped, target: TARGETS[stage] });
        say(`${stage} ${op} x${inFlight}: direct ${best.direct.toFixed(0)}/s, client ${best.client.toFixed(0)}/s, time per op ${ratio.toFixed(2)}x`);
      }
    }
  }
  await app.close();
  await direct.end();
  await shaped.end();
  await operator.close();

  if (values.json) {
    console.log(JSON.stringify({ pool: POOL, seconds: SECONDS, rounds: ROUNDS, results }, null, 2));
  } else {
    console.log(`\nThe client's time per operation / the same query run directly (pools of ${POOL}, best of ${ROUNDS} x ${SECONDS} s)`);
    console.log('stage     op     in flight  direct/s  client/s  ratio  target          same shape/s  client / same shape');
    for (const r of results) {
      const met = r.ratio <= r.target ? 'met' : 'MISSED';
      const shaped = r.shapedPerSecond === null ? '' : `${r.shapedPerSecond.toFixed(0).padStart(12)}  ${r.ratioToShaped!.toFixed(2).padStart(19)}`;
      console.log(`${r.stage.padEnd(9)} ${r.op.padEnd(5)} ${String(r.inFlight).padStart(10)} ${r.directPerSecond.toFixed(0).padStart(9)} ${r.clientPerSecond.toFixed(0).padStart(9)} ${r.ratio.toFixed(2).padStart(6)}  < ${r.target} ${met.padEnd(6)}  ${shaped}`);
    }
  }
} finally {
  await database.drop();
}
