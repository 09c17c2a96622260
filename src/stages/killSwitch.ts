import type { Queryable } from '../db/executor.js';
import type { Actor } from '../people/actor.js';
import { audit, type Killed } from '../state/store.js';
import { notifyRouting } from './routing.js';
import type { Stage } from './stage.js';

/** Who pulls the kill switch and why; `auto` names the guard that pulled it by itself. */
export interface KillRequest {
  by: Actor;
  reason: string;
  auto?: string;
}

/**
 * Pulls a migration's kill switch in `tx`: every instance routes every record to the old shape and
 * the ramp goes to 0, with the audit row and the routing notification in the same transaction. The
 * row is locked first and the switch set only WHERE it does not hold yet and the stage is one of
 * `stages`, so of two callers at once exactly one pulls it; the other gets null.
 */
export async function pullKillSwitch(
  tx: Queryable,
  migration: { id: number; name: string },
  request: KillRequest,
  stages: readonly Stage[],
  details: Record<string, unknown> = {},
): Promise<{ killed: Killed; stage: Stage; fromPercent: number } | null> {
  const [row] = await tx.query<{ killed: Killed; stage: Stage; fromPercent: number }>(
    `WITH before AS (SELECT id, ramp_percent FROM midair.migrations WHERE id = $1 FOR UPDATE)
     UPDATE midair.migrations m
        SET killed = jsonb_strip_nulls(jsonb_build_object('by', $2::text, 'reason', $3::text, 'at', now(), 'auto', $4::text, 'fromPercent', before.ramp_percent::float8)),
            ramp_percent = 0, ramp_changed_at = now()
       FROM before
      WHERE m.id = before.id AND m.killed IS NULL AND m.stage = ANY($5::text[])
      RETURNING m.killed, m.stage, before.ramp_percent::float8 AS "fromPercent"`,
    [migration.id, request.by.label, request.reason, request.auto ?? null, stages],
  );
  if (!row) return null;
  await audit(tx, request.by, { action: 'kill', migration: migration.name, fromStage: row.stage, toStage: row.stage, details: { ...details, reason: request.reason, ...(request.auto ? { auto: request.auto } : {}), fromPercent: row.fromPercent } });
  await notifyRouting(tx, migration.name);
  return row;
}
