import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** The server to run on; the bench creates and drops a database of its own there. */
  serverUrl: string;
  rows: number;
  json: boolean;
  /** Runs of each method alone; the fastest counts (a busy machine only ever slows a run down). */
  repeat: number;
  /** Only what the application feels: Midair with default throttles and unthrottled, under the workload. */
  applicationOnly: boolean;
}

const USAGE = 'usage: npm run bench:backfill -- [--database <url>] [--rows <n>, default 300000] [--repeat <n>] [--application-only] [--json]';

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      rows: { type: 'string', default: '300000' },
      repeat: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
      'application-only': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows < 10_000) throw new Error(`--rows must be an integer of at least 10000\n${USAGE}`);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a whole number of at least 1\n${USAGE}`);
  return { serverUrl: values.database, rows, json: values.json, repeat, applicationOnly: values['application-only'] };
}
