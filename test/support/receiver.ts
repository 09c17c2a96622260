import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a receiver does with its n-th request (1-based): answer with a status, or never answer. */
export type Answer = number | 'hang';

export interface Received {
  path: string;
  body: Record<string, unknown>;
}

/** A local HTTP receiver on 127.0.0.1 (port 0): records every JSON body, answers as `answer` says. */
export interface Receiver {
  url(path?: string): string;
  received: Received[];
  /** The bodies received on one path. */
  bodies(path: string): Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startReceiver(answer: (n: number, path: string) => Answer = () => 200): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      received.push({ path, body: JSON.parse(text) as Record<string, unknown> });
      const status = answer(received.filter((r) => r.path === path).length, path);
      if (status === 'hang') return;
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'receiver says no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    received,
    bodies: (path) => received.filter((r) => r.path === path).map((r) => r.body),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A URL nobody listens on: a port a server held, then released. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}
