/**
 * `npm run bench:embedded -- [--rounds <n>] [--fresh-rounds <n>] [--dist <folder>] [--json]`: how long
 * a command on the embedded database takes against PGlite's own open, each a new Node process as a
 * command is, taking turns round by round so that a shared machine's drift falls on both alike:
 *   existing folder: PGlite.create + SELECT 1 + close, against createMidair + status() + close;
 *   new folder:      PGlite.create (initdb) + close,   against createMidair + init() + close.
 * Wall time runs from spawn to exit (a process that waits for background work before it exits is
 * slow to its user); CPU is the process's user + system time. `--dist` points at another build of
 * Midair (e.g. of an older commit) to measure it against the same PGlite.
 * Not a test: it prints figures and ratios measured in the same run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'fresh-rounds': { type: 'string', default: '2' },
    dist: { type: 'string', default: join(REPO, 'dist') },
    json: { type: 'boolean', default: false },
  },
});
const midairEntry = pathToFileURL(join(resolve(values.dist), 'index.js')).href;

const say = (message: string) => process.stderr.write(`${message}\n`);

interface Run {
  wallMs: number;
  cpuMs: number;
}

/** Each child prints its CPU time at exit, after any background work the process waited for. */
const REPORT_CPU = `process.on('exit', () => { const u = process.cpuUsage(); console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 })); });`;

const CHILDREN = {
  pgliteExisting: `import { PGlite } from '@electric-sql/pglite'; ${REPORT_CPU}
    const db = await PGlite.create(process.env.DIR); await db.query('SELECT 1'); await db.close();`,
  midairExisting: `import { createMidair } from '${midairEntry}'; ${REPORT_CPU}
    const m = await createMidair({ embeddedDir: process.env.DIR }); await m.status(); await m.close();`,
  pgliteFresh: `import { PGlite } from '@electric-sql/pglite'; ${REPORT_CPU}
    const db = await PGlite.create(process.env.DIR); await db.close();`,
  midairFresh: `import { createMidair } from '${midairEntry}'; ${REPORT_CPU}
    const m = await createMidair({ embeddedDir: process.env.DIR }); await m.init(); await m.close();`,
};

function runChild(code: string, dir: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, DIR: dir };
  delete env.DATABASE_URL;
  const started = performance.now();
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0) return fail(new Error(`a bench process exited with ${code}: ${out}`));
      const { cpuMs } = JSON.parse(out.trim().split('\n').at(-1)!) as { cpuMs: number };
      done({ wallMs: performance.now() - started, cpuMs });
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Comparison {
  pglite: { wallMs: number; cpuMs: number };
  midair: { wallMs: number; cpuMs: number };
  ratio: { wall: number; cpu: number };
}

/** Median wall and CPU of the PGlite and the Midair child over `rounds`, taking turns. */
async function compare(label: string, rounds: number, pgliteCode: string, midairCode: string, folder: (round: number, who: string) => string): Promise<Comparison> {
  const runs: { pglite: Run[]; midair: Run[] } = { pglite: [], midair: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [who, code] of [['pglite', pgliteCode], ['midair', midairCode]] as const) {
      const run = await runChild(code, folder(round, who));
      runs[who].push(run);
      say(`${label} round ${round + 1}/${rounds} ${who}: ${run.wallMs.toFixed(0)} ms wall, ${run.cpuMs.toFixed(0)} ms CPU`);
    }
  }
  const summary = (rs: Run[]) => ({ wallMs: median(rs.map((r) => r.wallMs)), cpuMs: median(rs.map((r) => r.cpuMs)) });
  const pglite = summary(runs.pglite);
  const midair = summary(runs.midair);
  return { pglite, midair, ratio: { wall: midair.wallMs / pglite.wallMs, cpu: midair.cpuMs / pglite.cpuMs } };
}

const scratch = mkdtempSync(join(tmpdir(), 'midair-bench-embedded-'));
try {
  // Both open the same folder: a database initialized by PGlite, its control schema installed once.
  const existing = join(scratch, 'existing');
  await runChild(CHILDREN.midairFresh, existing);
  const results = {
    existing: await compare('existing folder', Number(values.rounds), CHILDREN.pgliteExisting, CHILDREN.midairExisting, () => existing),
    fresh: await compare('new folder', Number(values['fresh-rounds']), CHILDREN.pgliteFresh, CHILDREN.midairFresh, (round, who) => join(scratch, `fresh-${who}-${round}`)),
  };
  if (values.json) {
    process.stdout.write(JSON.stringify({ dist: values.dist, ...results }) + '\n');
  } else {
    const line = (label: string, c: Comparison) =>
      `${label.padEnd(16)}PGlite ${c.pglite.wallMs.toFixed(0).padStart(6)} ms wall ${c.pglite.cpuMs.toFixed(0).padStart(6)} ms CPU   ` +
      `Midair ${c.midair.wallMs.toFixed(0).padStart(6)} ms wall ${c.midair.cpuMs.toFixed(0).padStart(6)} ms CPU   ` +
      `ratio ${c.ratio.wall.toFixed(2)}x wall, ${c.ratio.cpu.toFixed(2)}x CPU`;
    process.stdout.write(
      [
        `embedded database, medians (Midair from ${values.dist}):`,
        line('existing folder', results.existing),
        line('new folder', results.fresh),
        'existing: PGlite.create + SELECT 1 + close vs createMidair + status() + close; new: PGlite.create + close vs createMidair + init() + close',
      ].join('\n') + '\n',
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
