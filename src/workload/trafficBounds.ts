import { BUCKET_SECONDS } from '../stages/evidence.js';
import type { TrafficConfig } from '../config/define.js';
import type { ResolvedConfig } from '../config/load.js';

/**
 * The traffic gates' time and volume bounds scaled to a run that soaks each step for seconds, not
 * the minutes and thousands of compares production's defaults ask for: at least 50 compares in
 * shadow, a soak of up to a second per step, and the old shape unused for up to a second before
 * complete. The window of evidence is at least 15 seconds (three of the client's 5-second metric
 * buckets), and spans a step's soak with longer durations. The rate bounds
 * (mismatches, errors) stay as configured: they judge the run as they would judge production. The
 * p99 ratio guard gets more room: a short window of a few hundred requests on a shared machine has
 * a noisy p99.
 */
export function runTrafficBounds(soakSeconds: number): Partial<TrafficConfig> {
  const soak = Math.min(1, soakSeconds);
  // The kill's soak, the step before it, and the bucket the step's first compares may start in.
  const windowSeconds = Math.max(3 * BUCKET_SECONDS, Math.ceil(2 * soakSeconds + 2 * BUCKET_SECONDS));
  return { minShadowCompares: 50, minSoakSeconds: soak, windowSeconds, minWindowCalls: 20, oldUnusedSeconds: soak, maxP99Ratio: 5 };
}

/**
 * On the embedded database every request of every instance, and Midair's own work, queues for its
 * one connection: a side's p99 measures that queue more than the shape, so the p99 guard's bound
 * there is wide enough to catch only a shape that is really slower.
 */
const EMBEDDED_P99_RATIO = 20;

/** Settings with the run's traffic bounds in place of the configured time and volume bounds. */
export function withRunTrafficBounds(settings: ResolvedConfig, soakSeconds: number): ResolvedConfig {
  const bounds = runTrafficBounds(soakSeconds);
  const p99Ratio = settings.database ? bounds.maxP99Ratio! : EMBEDDED_P99_RATIO;
  return { ...settings, traffic: { ...settings.traffic, ...bounds, maxP99Ratio: Math.max(settings.traffic.maxP99Ratio, p99Ratio) } };
}
