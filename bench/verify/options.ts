import { parseArgs } from 'node:util';

export interface VerifyBenchOptions {
  /** The server to run on; the bench creates and drops a database of its own there. */
  serverUrl: string;
  rows: number;
  /** Rounds of every contender; the fastest run of each counts (a busy machine only slows a run down). */
  repeat: number;
  json: boolean;
}

const USAGE = 'usage: npm run bench:verify -- [--database <url>] [--rows <n>] [--repeat <n>] [--json]';

export function parseOptions(argv: string[]): VerifyBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      rows: { type: 'string', default: '1000000' },
      repeat: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows < 1000) throw new Error(`--rows must be a whole number of at least 1000\n${USAGE}`);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a whole number of at least 1\n${USAGE}`);
  return { serverUrl: values.database, rows, repeat, json: values.json };
}
