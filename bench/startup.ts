/**
 * `npm run bench:startup -- [--runs <n>] [--database <url>] [--cli <path of main.js>] [--json]`:
 * how long a `midair` command takes from spawn to exit, for verbs that need no database and for
 * verbs on a server and on the embedded database, each the median of n runs, against bare
 * `node -e 0` measured in the same runs (the commands take turns, so a busy machine's drift falls
 * on all of them alike). Each is given in wall-clock time and in CPU time (all threads), which a
 * busy machine inflates less. The commands run in project folders made by `midair init`, whose
 * midair.config.ts imports 'midair' (installed as `npm install midair` would: a link in
 * node_modules). `--cli` measures another build, e.g. the one before a change.
 * Not a test: it prints figures and differences measured in the same run.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connectClient, createBenchDatabase } from './backfill/database.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    database: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    cli: { type: 'string', default: fileURLToPath(new URL('../dist/cli/main.js', import.meta.url)) },
    json: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs must be a whole number of at least 1');
const CLI = resolve(values.cli);
/** The package the CLI belongs to: what `npm install midair` puts in a project's node_modules. */
const PACKAGE = resolve(dirname(CLI), '../..');
const TARGETS = { noDatabaseAboveBare: 0.5, serverStatus: 1 };

const say = (message: string) => process.stderr.write(`${message}\n`);

interface Command {
  label: string;
  /** node's arguments for run number `run`. */
  argv: (run: number) => string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Undoes what a run left behind, outside the time measured. */
  cleanUp?: (run: number) => void;
}

const CPU_TIME = fileURLToPath(new URL('./reportCpuTime.cjs', import.meta.url));

interface Timing {
  /** From spawn to exit. */
  wallSeconds: number;
  /** User and system time of all the process's threads. */
  cpuSeconds: number;
}

/** One run of a command; a failing command stops the bench with its output. */
function timed(command: Command, run: number): Promise<Timing> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--require', CPU_TIME, ...command.argv(run)], { cwd: command.cwd, env: command.env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let cpuMicroseconds = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.stdio[3]!.on('data', (chunk) => (cpuMicroseconds += chunk));
    child.on('error', fail);
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - started) / 1000;
      if (code === 0) done({ wallSeconds, cpuSeconds: Number(cpuMicroseconds) / 1e6 });
      else fail(new Error(`${command.label} exited with ${code}:\n${stderr}`));
    });
  });
}

/** A project folder with midair installed, after `midair init` (on the database `env` names). */
async function initProject(label: string, env: NodeJS.ProcessEnv): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `midair-bench-startup-${label}-`));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(PACKAGE, join(dir, 'node_modules', 'midair'), 'dir');
  await timed({ label: `init (${label})`, argv: () => [CLI, 'init'], cwd: dir, env }, 0);
  return dir;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const database = await createBenchDatabase(values.database);
const dirs: string[] = [];
try {
  const setup = await connectClient(database.url, 'midair bench startup');
  await setup.query(`CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
    INSERT INTO users (name) SELECT 'user ' || n FROM generate_series(1, 1000) n;`);
  await setup.end();
  const { DATABASE_URL: _, ...withoutDatabase } = process.env;
  const onServer = { ...withoutDatabase, DATABASE_URL: database.url };
  say('setting up: `midair init` in a project on the server and in one on the embedded database');
  const server = await initProject('server', onServer);
  const embedded = await initProject('embedded', withoutDatabase);
  dirs.push(server, embedded);
  writeFileSync(join(server, 'migrations', '20260101000000_nickname.ts'), `import { defineMigration, op } from 'midair';

export default defineMigration({
  name: 'nickname',
  operations: [op.addColumn({ table: 'users', column: { name: 'nickname', type: 'text' }, up: 'name' })],
});
`);

  const commands: Command[] = [
    { label: 'node -e 0', argv: () => ['-e', '0'], cwd: server, env: withoutDatabase },
    { label: 'midair --version', argv: () => [CLI, '--version'], cwd: server, env: withoutDatabase },
    {
      label: 'midair new <name>',
      argv: (run) => [CLI, 'new', `bench_${run}`],
      cwd: server,
      env: withoutDatabase,
      cleanUp: (run) => {
        for (const file of readdirSync(join(server, 'migrations'))) if (file.endsWith(`_bench_${run}.ts`)) rmSync(join(server, 'migrations', file));
      },
    },
    { label: 'midair plan <migration> (server)', argv: () => [CLI, 'plan', 'nickname'], cwd: server, env: onServer },
    { label: 'midair status (server)', argv: () => [CLI, 'status'], cwd: server, env: onServer },
    { label: 'midair status (embedded)', argv: () => [CLI, 'status'], cwd: embedded, env: withoutDatabase },
  ];
  const timings = new Map(commands.map((c) => [c.label, [] as Timing[]]));
  for (let run = 1; run <= RUNS; run++) {
    for (const command of commands) {
      timings.get(command.label)!.push(await timed(command, run));
      command.cleanUp?.(run);
    }
    say(`run ${run}/${RUNS} done`);
  }

  const medians = (label: string) => {
    const runs = timings.get(label)!;
    return { wall: median(runs.map((t) => t.wallSeconds)), cpu: median(runs.map((t) => t.cpuSeconds)) };
  };
  const bare = medians('node -e 0');
  const rows = commands.map((c) => {
    const m = medians(c.label);
    return {
      command: c.label,
      wall: { medianSeconds: m.wall, aboveBareSeconds: m.wall - bare.wall, ratioToBare: m.wall / bare.wall },
      cpu: { medianSeconds: m.cpu, aboveBareSeconds: m.cpu - bare.cpu, ratioToBare: m.cpu / bare.cpu },
    };
  });
  if (values.json) {
    process.stdout.write(JSON.stringify({ cli: CLI, runs: RUNS, targets: TARGETS, commands: rows }) + '\n');
  } else {
    console.log(`midair start-up: ${CLI}, median of ${RUNS} runs, bare node measured in the same runs`);
    console.log(`targets: verbs needing no database under +${TARGETS.noDatabaseAboveBare} s above bare node; status on a server under ${TARGETS.serverStatus} s`);
    const cells = (f: { medianSeconds: number; aboveBareSeconds: number; ratioToBare: number }) =>
      `${f.medianSeconds.toFixed(3).padStart(7)}s ${`${f.aboveBareSeconds >= 0 ? '+' : ''}${f.aboveBareSeconds.toFixed(3)}s`.padStart(9)} ${`${f.ratioToBare.toFixed(2)}x`.padStart(7)}`;
    console.log(`${''.padEnd(34)} ${'wall-clock: median, above bare, ratio'.padEnd(34)} ${'CPU time: median, above bare, ratio'}`);
    for (const r of rows) console.log(`${r.command.padEnd(34)} ${cells(r.wall)}     ${cells(r.cpu)}`);
  }
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await database.drop();
}
