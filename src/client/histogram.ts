/**
 * Latency histograms that add up across instances and buckets of time: bucket i counts durations
 * in [2^(i/4), 2^((i+1)/4)) microseconds, so a percentile read back is within 19% of the truth
 * whatever the scale. Stored sparse (index -> count) in midair.client_metrics.latency.
 */
export type Histogram = Record<string, number>;

const STEPS_PER_DOUBLING = 4;

export function bucketIndex(ms: number): number {
  const micros = Math.max(1, ms * 1000);
  return Math.floor(Math.log2(micros) * STEPS_PER_DOUBLING);
}

/** The upper edge of bucket i, in milliseconds. */
function upperEdgeMs(index: number): number {
  return 2 ** ((index + 1) / STEPS_PER_DOUBLING) / 1000;
}

export function record(h: Histogram, ms: number): void {
  const i = String(bucketIndex(ms));
  h[i] = (h[i] ?? 0) + 1;
}

export function merge(into: Histogram, from: Histogram): Histogram {
  for (const [i, n] of Object.entries(from)) into[i] = (into[i] ?? 0) + n;
  return into;
}

export function count(h: Histogram): number {
  return Object.values(h).reduce((a, b) => a + b, 0);
}

/** The q-quantile (0 < q <= 1) in milliseconds, as its bucket's upper edge; null when empty. */
export function quantile(h: Histogram, q: number): number | null {
  const total = count(h);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (const i of Object.keys(h).map(Number).sort((a, b) => a - b)) {
    seen += h[String(i)]!;
    if (seen >= rank) return upperEdgeMs(i);
  }
  return null;
}
