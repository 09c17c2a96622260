import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { op } from '../src/index.js';
import { columnSchema, operationSchema } from '../src/migration/validate.js';

const DOC = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');

/** The text of the `## kind` or `### kind` section, up to the next heading of its level or above. */
function section(kind: string): string {
  const heading = new RegExp(`^(#{2,3}) ${kind}$`, 'm').exec(DOC);
  if (!heading) return '';
  const rest = DOC.slice(heading.index + heading[0].length);
  const next = new RegExp(`^#{2,${heading[1]!.length}} `, 'm').exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

describe('docs/operations.md documents every operation', () => {
  const kinds = operationSchema.options.map((o) => o.shape.kind.value);

  it('the schema and the op builders list the same operations', () => {
    expect([...kinds].sort()).toEqual(Object.keys(op).sort());
  });

  it.each(operationSchema.options.map((o) => [o.shape.kind.value, Object.keys(o.shape).filter((f) => f !== 'kind')] as const))(
    '%s: a section naming every field, with an example',
    (kind, fields) => {
      const text = section(kind);
      expect(text, `no "## ${kind}" section`).not.toBe('');
      expect(text, `no op.${kind}(...) example`).toContain(`op.${kind}(`);
      // A field is named in code quotes, alone or with its sub-fields (`column.name`).
      expect(fields.filter((f) => !new RegExp(`\`${f}[\`.]`).test(text))).toEqual([]);
    },
  );

  it('addColumn names every field of a column', () => {
    const fields = Object.keys(columnSchema.shape);
    expect(fields.filter((f) => !section('addColumn').includes(`\`column.${f}`))).toEqual([]);
  });
});
