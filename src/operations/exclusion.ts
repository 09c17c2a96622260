import type { Compiler, TableShape } from '../migration/compiler.js';
import type { Exclusion } from '../migration/types.js';
import { includedColumns, indexClauses, probeIndex, renderElement, type RenderedElement } from './indexDefinition.js';

/**
 * "EXCLUDE USING gist (...) INCLUDE (...) WHERE (...)" on physical names, checked by the server
 * before start (probeIndex): a missing operator class (btree_gist for = on a scalar column), a
 * wrong operator or expression is refused naming its field. `field` is where the exclusion is in
 * the operation, e.g. "exclude" or "exclusions.0".
 */
export function exclusionDefinition(c: Compiler, table: TableShape, name: string, x: Exclusion, field: string): string {
  const elements = x.elements.map((e, i) => {
    const rendered = renderElement(c, table, e, `${field}.elements`, i);
    return { ...rendered, sql: `${rendered.sql} WITH ${e.operator}` };
  });
  const include = includedColumns(c, table, x.include, `${field}.include`);
  const definition = (keys: RenderedElement[], clauses = true) => `EXCLUDE USING ${x.using ?? 'gist'} (${keys.map((k) => k.sql).join(', ')})${clauses ? indexClauses(include, false, undefined, x.where) : ''}`;
  probeIndex(c, table, `the exclusion constraint "${name}"`, elements, (probe, keys, clauses) => `ALTER TABLE ${probe} ADD ${definition(keys, clauses)}`);
  return definition(elements);
}
