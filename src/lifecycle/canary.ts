import { MidairError } from '../errors.js';
import { notifyRouting } from '../stages/routing.js';
import { activeTarget } from '../stages/target.js';
import { audit } from '../state/store.js';
import type { Context } from './context.js';

export const DEFAULT_CANARY_SET = 'canary';

export interface CanaryChangeResult {
  migration: string;
  set: string;
  /** Keys that were added (or removed); keys already in (or not in) the set are not counted. */
  changed: number;
  /** Keys in the set afterwards. */
  size: number;
}

export interface CanaryListResult {
  migration: string;
  /** Set name -> its keys, sorted. */
  sets: Record<string, string[]>;
}

function setNameOf(set: string | undefined, migration: string): string {
  const name = (set ?? DEFAULT_CANARY_SET).trim();
  if (!name) throw new MidairError(`the canary set name for migration "${migration}" is empty`, `leave --set out for the set "${DEFAULT_CANARY_SET}", or name one`);
  return name;
}

function keysOf(keys: readonly string[], migration: string, verb: string): string[] {
  if (keys.length === 0) throw new MidairError(`canary ${verb} for migration "${migration}" got no keys`, 'give keys as arguments or in a file with --file <path>');
  const empty = keys.findIndex((k) => k === '');
  if (empty >= 0) throw new MidairError(`canary key ${empty + 1} for migration "${migration}" is empty`, 'every key is the non-empty routing key of one record');
  return [...new Set(keys)];
}

/**
 * Adds keys to, or removes them from, a named canary set of an active migration: while live, those
 * records go to the new shape whatever the ramp. Instances hear of it at once (routing channel).
 */
export async function changeCanary(ctx: Context, name: string, verb: 'add' | 'remove', keys: readonly string[], set?: string): Promise<CanaryChangeResult> {
  const record = await activeTarget(ctx.db, ctx.settings.schema, name);
  const setName = setNameOf(set, name);
  const unique = keysOf(keys, name, verb);
  return ctx.db.transaction(async (tx) => {
    const changed =
      verb === 'add'
        ? await tx.query(
            `INSERT INTO midair.canary_keys (migration_id, set_name, key, added_by) SELECT $1, $2, k, $4 FROM unnest($3::text[]) AS k
             ON CONFLICT DO NOTHING RETURNING key`,
            [record.id, setName, unique, ctx.actor.label],
          )
        : await tx.query('DELETE FROM midair.canary_keys WHERE migration_id = $1 AND set_name = $2 AND key = ANY($3::text[]) RETURNING key', [record.id, setName, unique]);
    const [size] = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM midair.canary_keys WHERE migration_id = $1 AND set_name = $2', [record.id, setName]);
    if (changed.length > 0) {
      await audit(tx, ctx.actor, { action: `canary ${verb}`, migration: name, details: { set: setName, keys: changed.length, first: unique.slice(0, 10) } });
      await notifyRouting(tx, name);
    }
    return { migration: name, set: setName, changed: changed.length, size: size?.n ?? 0 };
  });
}

/** The canary sets of an active migration with their keys (one set with `set`). */
export async function listCanary(ctx: Context, name: string, set?: string): Promise<CanaryListResult> {
  const record = await activeTarget(ctx.db, ctx.settings.schema, name);
  const only = set === undefined ? null : setNameOf(set, name);
  const rows = await ctx.db.query<{ set: string; key: string }>(
    'SELECT set_name AS set, key FROM midair.canary_keys WHERE migration_id = $1 AND ($2::text IS NULL OR set_name = $2) ORDER BY set_name, key',
    [record.id, only],
  );
  const sets: Record<string, string[]> = only ? { [only]: [] } : {};
  for (const r of rows) (sets[r.set] ??= []).push(r.key);
  return { migration: name, sets };
}
