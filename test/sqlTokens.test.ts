import { describe, expect, it } from 'vitest';
import { renameColumnReferences } from '../src/db/sqlTokens.js';

describe('renameColumnReferences', () => {
  it('rewrites bare references only: not strings, functions, types, collations, qualified names or storage parameters', () => {
    expect(renameColumnReferences(`USING btree (lower(qty) text_pattern_ops, "qty" COLLATE qty) WITH (fillfactor='70') WHERE (qty <> 'qty'::qty AND x.qty = qty(1))`, 'qty', 'new qty'))
      .toBe(`USING btree (lower("new qty") text_pattern_ops, "new qty" COLLATE qty) WITH (fillfactor='70') WHERE ("new qty" <> 'qty'::qty AND x.qty = qty(1))`);
  });

  it('matches quoted names exactly and leaves keywords in upper case alone', () => {
    expect(renameColumnReferences(`USING btree ("Desc" DESC, "a""b") WHERE (E'it\\'s "Desc"' <> "Desc")`, 'Desc', 'd2')).toBe(`USING btree ("d2" DESC, "a""b") WHERE (E'it\\'s "Desc"' <> "d2")`);
    expect(renameColumnReferences(`USING btree (desc_col) WITH (fillfactor='70')`, 'fillfactor', 'f2')).toBe(`USING btree (desc_col) WITH (fillfactor='70')`);
  });

  it('stops at REFERENCES: the referenced columns belong to the other table', () => {
    expect(renameColumnReferences('FOREIGN KEY (maker) REFERENCES makers(maker) ON DELETE CASCADE', 'maker', 'm2', 'REFERENCES'))
      .toBe('FOREIGN KEY ("m2") REFERENCES makers(maker) ON DELETE CASCADE');
  });
});
