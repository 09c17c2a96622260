import type { Compiler } from '../migration/compiler.js';
import type { RawSql } from '../migration/types.js';

/** For what no operation covers: `up` runs in the expand transaction, `down` on rollback. */
export function rawSql(c: Compiler, o: RawSql): void {
  c.plan.expand.push({ sql: o.up, lock: 'whatever the statement takes (raw SQL)', raw: true });
  c.plan.rollback.push({ sql: o.down, lock: 'whatever the statement takes (raw SQL)', raw: true });
  c.plan.warnings.push(`${c.where}: raw SQL is run as written; Midair cannot show its locks or keep both shapes in sync for it`);
}
