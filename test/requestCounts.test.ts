import { describe, expect, it } from 'vitest';
import { RequestCounts } from '../src/slo/requestCounts.js';

const MINUTE = Date.UTC(2026, 11, 2, 22, 0);
const at = (seconds: number) => MINUTE + seconds * 1000;

describe('RequestCounts: requests per minute in memory', () => {
  it('counts each request in the minute it ended in, the boundary belonging to the next minute', () => {
    const counts = new RequestCounts(300);
    counts.add({ ok: true, latencyMs: 10 }, at(0));
    counts.add({ ok: false, latencyMs: 10 }, at(59.999));
    counts.add({ ok: true, latencyMs: 10 }, at(60));
    counts.add({ ok: true, latencyMs: 10 }, at(181));
    expect(counts.take()).toEqual([
      { minute: MINUTE, total: 2, good: 1, timed: 2, fast: 2 },
      { minute: MINUTE + 60_000, total: 1, good: 1, timed: 1, fast: 1 },
      { minute: MINUTE + 180_000, total: 1, good: 1, timed: 1, fast: 1 },
    ]);
    expect(counts.take()).toEqual([]);
  });

  it('a request is fast strictly under the bound; a missing, non-finite or negative latency is neither timed nor fast, and the request still counts', () => {
    const counts = new RequestCounts(300);
    for (const latencyMs of [0, 299.9, 300, 301, undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1]) counts.add({ ok: true, latencyMs }, at(1));
    expect(counts.take()).toEqual([{ minute: MINUTE, total: 9, good: 9, timed: 4, fast: 2 }]);
  });

  it('requests tracked without a latency leave the latency SLI (fast of timed) as the timed ones make it', () => {
    const counts = new RequestCounts(300);
    counts.add({ ok: true, latencyMs: 10 }, at(1));
    counts.add({ ok: true, latencyMs: 500 }, at(2));
    for (let i = 0; i < 8; i++) counts.add({ ok: true }, at(3));
    const [minute] = counts.take();
    expect(minute).toEqual({ minute: MINUTE, total: 10, good: 10, timed: 2, fast: 1 });
    expect(minute!.fast / minute!.timed).toBe(0.5);
  });

  it('without a latency objective no request is timed or fast: an objective declared later judges only the minutes after it', () => {
    const counts = new RequestCounts(null);
    counts.add({ ok: true, latencyMs: 1 }, at(1));
    expect(counts.take()).toEqual([{ minute: MINUTE, total: 1, good: 1, timed: 0, fast: 0 }]);
  });

  it('restore puts back what a flush could not write, merged with what was counted since', () => {
    const counts = new RequestCounts(300);
    counts.add({ ok: true, latencyMs: 1 }, at(10));
    counts.add({ ok: false, latencyMs: 500 }, at(70));
    const unwritten = counts.take();
    counts.add({ ok: true, latencyMs: 1 }, at(80));
    counts.add({ ok: true, latencyMs: 1 }, at(130));
    counts.restore(unwritten);
    counts.add({ ok: true, latencyMs: 1 }, at(20));
    expect(counts.take().sort((a, b) => a.minute - b.minute)).toEqual([
      { minute: MINUTE, total: 2, good: 2, timed: 2, fast: 2 },
      { minute: MINUTE + 60_000, total: 2, good: 1, timed: 2, fast: 1 },
      { minute: MINUTE + 120_000, total: 1, good: 1, timed: 1, fast: 1 },
    ]);
    // What was put back is copied: counting on does not change the batch a flush holds.
    expect(unwritten).toEqual([
      { minute: MINUTE, total: 1, good: 1, timed: 1, fast: 1 },
      { minute: MINUTE + 60_000, total: 1, good: 0, timed: 1, fast: 0 },
    ]);
  });
});
