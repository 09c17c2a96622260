import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received: its API path, its form parameters and its Authorization header. */
export interface PrometheusRequest {
  path: string;
  params: Record<string, string>;
  authorization: string | undefined;
}

/**
 * A stand-in for Prometheus's HTTP API on 127.0.0.1 (port 0), for what needs no real Prometheus: the
 * headers sent and how range queries are cut. `valueAt(query, unixSeconds)` gives every series' value;
 * with `token`, a request without `Authorization: Bearer <token>` gets HTTP 401 as Prometheus behind an
 * authenticating proxy answers.
 */
export async function startFakePrometheus(valueAt: (query: string, at: number) => number, token?: string) {
  const requests: PrometheusRequest[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      const path = new URL(request.url ?? '/', 'http://fake').pathname;
      const params = Object.fromEntries(new URLSearchParams(text));
      requests.push({ path, params, authorization: request.headers.authorization });
      const answer = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (token !== undefined && request.headers.authorization !== `Bearer ${token}`) return answer(401, { status: 'error', errorType: 'unauthorized', error: 'missing or wrong bearer token' });
      const query = params.query!;
      if (path === '/api/v1/query') return answer(200, { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Number(params.time), String(valueAt(query, Number(params.time)))] }] } });
      if (path === '/api/v1/query_range') {
        const [start, end, step] = [Number(params.start), Number(params.end), Number(params.step)];
        const values: [number, string][] = [];
        for (let at = start; at <= end; at += step) values.push([at, String(valueAt(query, at))]);
        return answer(200, { status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } });
      }
      return answer(404, { status: 'error', errorType: 'not_found', error: `no ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
