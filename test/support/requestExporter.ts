import { createServer } from 'node:http';

/** One request an application answered: its status code and how long it took. */
export interface ServedRequest {
  code: 200 | 500;
  seconds: number;
}

/** A small exporter in the test process: the request metrics an application would give Prometheus to scrape. */
export interface RequestExporter {
  /** host:port, for a scrape config's targets. */
  target: string;
  /** Counts the requests all at once: a scrape sees all of them or none. */
  count(requests: ServedRequest[]): void;
  stop(): Promise<void>;
}

/** The latency histogram's bucket bounds in seconds, as a client library would declare them. */
export const LATENCY_BUCKETS = [0.1, 0.3, 1] as const;

/**
 * Serves `http_requests_total{code}` counters and an `http_request_duration_seconds` histogram in
 * Prometheus's text exposition format. Every series exists from the start at 0, as client libraries
 * do for declared labels, so that Prometheus sees each counter start from zero.
 */
export async function startRequestExporter(): Promise<RequestExporter> {
  const byCode = { 200: 0, 500: 0 };
  const buckets = LATENCY_BUCKETS.map(() => 0);
  let count = 0;
  let sum = 0;

  const exposition = () =>
    [
      '# HELP http_requests_total Requests answered, by status code.',
      '# TYPE http_requests_total counter',
      `http_requests_total{code="200"} ${byCode[200]}`,
      `http_requests_total{code="500"} ${byCode[500]}`,
      '# HELP http_request_duration_seconds How long requests took.',
      '# TYPE http_request_duration_seconds histogram',
      ...LATENCY_BUCKETS.map((le, i) => `http_request_duration_seconds_bucket{le="${le}"} ${buckets[i]}`),
      `http_request_duration_seconds_bucket{le="+Inf"} ${count}`,
      `http_request_duration_seconds_sum ${sum}`,
      `http_request_duration_seconds_count ${count}`,
      '',
    ].join('\n');

  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the exporter got no TCP port');

  return {
    target: `127.0.0.1:${address.port}`,
    count(requests) {
      for (const { code, seconds } of requests) {
        byCode[code] += 1;
        LATENCY_BUCKETS.forEach((le, i) => (buckets[i]! += seconds <= le ? 1 : 0));
        count += 1;
        sum += seconds;
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Prometheus keeps its scrape connection open: close it, or close() waits for it.
        server.closeAllConnections();
      }),
  };
}
