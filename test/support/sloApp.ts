/**
 * An HTTP application instance that counts its requests for the built-in SLI with midair.middleware(),
 * in a process of its own: `node --import tsx test/support/sloApp.ts <url> <service> <services JSON>`.
 * Its routes inject what a test needs: /ok answers 200, /fail 500 (a failure), /slow?ms=N 200 after
 * N ms (a slow answer).
 *
 * Commands arrive as clientApp.ts's do (JSON lines {seq, cmd} on stdin, answered on stdout):
 * `port` (where it listens), `flush`, `close`. The client's log goes to stderr.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMidair, type ServiceConfig } from '../../src/index.js';
import { answerCommands } from './answerCommands.js';

const [url, service, services] = process.argv.slice(2);
const midair = await createMidair({
  database: url!,
  service: service!,
  services: JSON.parse(services!) as Record<string, ServiceConfig>,
  flushIntervalMs: 200,
  logger: { warn: (message) => console.error(message) },
});

function route(request: IncomingMessage, response: ServerResponse): void {
  const { pathname, searchParams } = new URL(request.url!, 'http://app');
  if (pathname === '/ok') response.end('ok');
  else if (pathname === '/fail') response.writeHead(500).end('injected failure');
  else if (pathname === '/slow') setTimeout(() => response.end('slow'), Number(searchParams.get('ms')));
  else response.writeHead(404).end();
}

// node:http as docs/slo.md shows it: the middleware, then the handler as its `next`.
const track = midair.middleware();
const server = createServer((request, response) => track(request, response, () => route(request, response)));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

type Command = { cmd: 'port' } | { cmd: 'flush' } | { cmd: 'close' };

async function handle(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'port':
      return (server.address() as AddressInfo).port;
    case 'flush':
      return midair.flushEvidence();
    case 'close':
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await midair.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

answerCommands(handle);
