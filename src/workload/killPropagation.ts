import { setTimeout as sleep } from 'node:timers/promises';
import { MidairError } from '../errors.js';
import type { RecordRouter } from './types.js';

/** How long the kill switch took to reach each application instance. */
export interface KillPropagation {
  /** The record watched: routed new on every instance before the kill. */
  key: string;
  /** The slowest instance, in ms from the kill's commit; null when one never saw it. */
  maxMs: number | null;
  instances: { instanceId: string; ms: number | null }[];
}

/** How long to watch before an instance that has not seen the kill counts as never seeing it. */
const WATCH_MS = 10_000;

/**
 * Pulls the kill switch (`kill` resolves once it committed) and measures, per instance, the time
 * from that commit until the instance's `route()` of a record that was routed new returns 'old'.
 * Each instance is watched from before the kill, so one that sees the notification before `kill`
 * resolves counts as 0 ms, never as a negative time.
 */
export async function measureKill<I>(instances: { instanceId: string; router: RecordRouter<I> }[], record: { key: string; input: I }, kill: () => Promise<void>): Promise<KillPropagation> {
  const unrouted = instances.filter((i) => i.router.route(record.input) !== 'new');
  if (unrouted.length) throw new MidairError(`the kill switch cannot be measured on ${record.key}: instance ${unrouted[0]!.instanceId} does not route it to the new shape`);
  const seenAt = new Map<string, number>();
  let watching = true;
  const watch = (async () => {
    const deadline = performance.now() + WATCH_MS;
    while (watching && seenAt.size < instances.length && performance.now() < deadline) {
      for (const i of instances) if (!seenAt.has(i.instanceId) && i.router.route(record.input) === 'old') seenAt.set(i.instanceId, performance.now());
      await sleep(1);
    }
  })();
  try {
    await kill();
  } catch (error) {
    watching = false;
    await watch;
    throw error;
  }
  const committedAt = performance.now();
  await watch;
  const per = instances.map((i) => {
    const at = seenAt.get(i.instanceId);
    return { instanceId: i.instanceId, ms: at === undefined ? null : Math.round(Math.max(0, at - committedAt) * 10) / 10 };
  });
  const max = per.some((p) => p.ms === null) ? null : Math.max(...per.map((p) => p.ms!));
  return { key: record.key, maxMs: max, instances: per };
}
