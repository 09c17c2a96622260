import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './project.js';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `midair` process; `done` settles when it exits, however it exits. */
export interface CliProcess {
  child: ChildProcess;
  done: Promise<CliResult>;
}

/** The environment of a CLI run: DATABASE_URL and MIDAIR_DEBUG only when a test sets them. */
function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = { ...process.env };
  delete base.DATABASE_URL;
  delete base.MIDAIR_DEBUG;
  return { ...base, ...env };
}

/** Starts `node dist/cli/main.js ...args` in `cwd` as a real process, `input` on its stdin if given. */
export function spawnCli(cwd: string, args: string[], env: Record<string, string> = {}, input?: string): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: cliEnv(env), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (input !== undefined) child.stdin!.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(cwd: string, args: string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  return spawnCli(cwd, args, env, input).done;
}

/** The one JSON object a --json run prints on stdout. */
export function jsonOf<T = Record<string, unknown>>(result: CliResult): T {
  const lines = result.stdout.trim().split('\n');
  if (lines.length !== 1) throw new Error(`expected one JSON line on stdout, got:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return JSON.parse(lines[0]!) as T;
}

/** Fails with the command's output, so a failing run explains itself. */
export function expectSuccess(result: CliResult, what: string): CliResult {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code ?? result.signal}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  return result;
}
