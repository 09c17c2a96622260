import type pg from 'pg';
import type { Midair } from '../../src/index.js';
import type { Method } from './method.js';
import { splitName } from './usersTable.js';

const BATCH = 1000;

/**
 * Baseline B, the method of existing tools (pgroll and the like): with the migration started, walk
 * the key in 1000-row batches, lock each batch with SELECT ... FOR NO KEY UPDATE and touch its rows
 * with UPDATE ... SET pk = pk, so the per-row sync trigger computes the new columns. One statement
 * and one commit per batch, as pgroll does it.
 */
export function rowLockBatches(db: pg.Client, midair: Midair): Method {
  return {
    key: 'rowLockBatches',
    label: 'B: 1000-row batches through the trigger',
    async prepare() {
      await midair.start(splitName);
    },
    async run() {
      let last = 0;
      let batches = 0;
      for (;;) {
        const { rows } = await db.query<{ last: string | null; n: number }>(
          `WITH batch AS (SELECT id FROM users WHERE id > $1 ORDER BY id LIMIT ${BATCH} FOR NO KEY UPDATE),
                touched AS (UPDATE users SET id = users.id FROM batch WHERE users.id = batch.id RETURNING users.id)
           SELECT max(id)::text AS last, count(*)::int AS n FROM touched`,
          [last],
        );
        if (!rows[0] || rows[0].n === 0) return `${batches} batches`;
        last = Number(rows[0].last);
        batches++;
      }
    },
    async check() {},
    async cleanup() {
      await midair.rollback();
    },
  };
}
