import { describe, expect, it } from 'vitest';
import { IDLE_RUNS, Pace, defaultPace } from '../src/backfill/pace.js';

const IDLE_COMMITS = [1, 1.1, 0.9, 1.2, 1, 1, 1.1];
const IDLE_READS = [0.2, 0.3, 0.2, 0.2, 0.25, 0.2, 0.2];

function calibrated(): Pace {
  const pace = new Pace(1.5);
  pace.calibrate({ reads: IDLE_READS, commits: IDLE_COMMITS });
  return pace;
}

describe('the backfill pace: additive increase, multiplicative decrease, fed with probe latencies', () => {
  it('halves the share after a slow commit, and says what the application felt', () => {
    const pace = calibrated();
    expect(pace.share).toBe(defaultPace.start);
    // The idle time is the slowest idle run (1.2 ms); the limit 1.5 times that.
    expect(pace.observe({ commitMs: 9, readMs: 0.2 })).toEqual(['commits 9.0ms > 1.8ms']);
    expect(pace.share).toBe(defaultPace.start * defaultPace.decrease);
  });

  it('halves it after a slow read too', () => {
    const pace = calibrated();
    expect(pace.observe({ commitMs: 1, readMs: 4 })).toEqual(['reads 4.0ms > 0.8ms']);
    expect(pace.share).toBe(defaultPace.start * defaultPace.decrease);
  });

  it('adds a step after each quiet batch, up to full pace and no further', () => {
    const pace = calibrated();
    const shares: number[] = [];
    for (let i = 0; i < 30; i++) {
      expect(pace.observe({ commitMs: 1.1, readMs: 0.2 })).toEqual([]);
      shares.push(pace.share);
    }
    expect(shares[0]).toBeCloseTo(defaultPace.start + defaultPace.increase);
    expect(shares[1]).toBeCloseTo(defaultPace.start + 2 * defaultPace.increase);
    expect(shares.at(-1)).toBe(1);
    expect(pace.pauseMs(80)).toBe(0);
    expect(pace.batchMs(100)).toBe(100);
  });

  it('never goes below its minimum: the backfill crawls rather than stops', () => {
    const pace = calibrated();
    // Fewer slow batches than would make the slowness the application's own (the last test).
    for (let i = 0; i < 8; i++) pace.observe({ commitMs: 50 });
    expect(pace.share).toBe(defaultPace.min);
    expect(pace.batchMs(100)).toBeCloseTo(100 * defaultPace.min);
    // A worker rests so that it writes `share` of the time, but never longer than maxPauseMs at once.
    expect(pace.pauseMs(2)).toBeCloseTo(2 * (1 / defaultPace.min - 1));
    expect(pace.pauseMs(500)).toBe(defaultPace.maxPauseMs);
  });

  it('at a share of one quarter, rests three times as long as the batch took', () => {
    const pace = calibrated();
    expect(pace.share).toBe(0.25);
    expect(pace.batchMs(100)).toBe(25);
    expect(pace.pauseMs(20)).toBe(60);
  });

  it('takes sub-millisecond jitter above a tiny idle time for noise', () => {
    const pace = calibrated();
    // 0.7 ms is more than 1.5 times the idle read (0.3 ms) but only 0.4 ms slower.
    expect(pace.observe({ readMs: 0.7 })).toEqual([]);
    expect(pace.observe({ readMs: 0.9 })).toEqual(['reads 0.9ms > 0.8ms']);
  });

  it('takes a slower application for its new idle time once the backfill has crawled for a while and it is still slow', () => {
    const pace = calibrated();
    // The application's own traffic grew: commits take 5 ms whatever the backfill does.
    let felt = 0;
    while (pace.observe({ commitMs: 5 }).length > 0) {
      felt++;
      expect(felt).toBeLessThan(20);
    }
    expect(felt).toBeGreaterThanOrEqual(IDLE_RUNS);
    expect(pace.observe({ commitMs: 5 })).toEqual([]);
    expect(pace.share).toBeGreaterThan(defaultPace.min);
    // And a backfill that slows these commits further is felt again.
    expect(pace.observe({ commitMs: 20 })).toEqual(['commits 20.0ms > 7.5ms']);
  });

  it('takes a faster application for its new idle time when the idle runs came from a busy moment', () => {
    const pace = new Pace(1.5);
    pace.calibrate({ reads: [], commits: [10, 12, 11, 10, 10, 11, 10] });
    expect(pace.observe({ commitMs: 15 })).toEqual([]);
    for (let i = 0; i < IDLE_RUNS; i++) pace.observe({ commitMs: 1 });
    expect(pace.observe({ commitMs: 15 })).toEqual(['commits 15.0ms > 1.5ms']);
  });
});
