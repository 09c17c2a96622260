import { createInterface } from 'node:readline';

/** Writes one JSON line to the parent process (clientProcess.ts reads them). */
export function send(message: unknown): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}

/** A child's side of clientProcess.ts: each JSON line on stdin ({seq, cmd, ...}) answered with {seq, result} or {seq, error}. */
export function answerCommands<Command>(handle: (command: Command) => Promise<unknown>): void {
  createInterface({ input: process.stdin }).on('line', (line) => {
    const { seq, ...command } = JSON.parse(line) as { seq: number };
    handle(command as Command).then(
      (result) => send({ seq, result: result ?? null }),
      (error: Error) => send({ seq, error: error.message }),
    );
  });
}
