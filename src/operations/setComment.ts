import type { Compiler } from '../migration/compiler.js';
import type { SetComment } from '../migration/types.js';
import { COMMENT_LOCK, commentOnTable, setColumnComment } from './columnOptions.js';

/**
 * A comment is metadata that both releases share: set on the table itself at start (catalog
 * only, no copy, no sync), and put back as it was by rollback.
 */
export function setComment(c: Compiler, o: SetComment): void {
  const table = c.table(o.table);
  if (o.column !== undefined) return setColumnComment(c, table, c.column(table, o.column), o.comment);
  c.plan.expand.push({ sql: commentOnTable(c, table.physical, o.comment), lock: COMMENT_LOCK });
  if (!table.created) c.plan.rollback.push({ sql: commentOnTable(c, table.physical, table.before?.comment ?? null), lock: COMMENT_LOCK });
}
