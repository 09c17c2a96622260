import { describe, expect, it } from 'vitest';
import { defineMigration, MidairError, op, type Migration } from '../src/index.js';
import { resetTarget } from './support/resetTarget.js';
import { DRIVERS } from './support/targets.js';

const TABLES = `CREATE TABLE makers (id integer PRIMARY KEY, code text NOT NULL UNIQUE);
  CREATE TABLE parts (id integer PRIMARY KEY, maker_code text REFERENCES makers (code), note text, label text DEFAULT 'none',
    serial_no integer GENERATED ALWAYS AS IDENTITY, during int4range);
  INSERT INTO makers VALUES (1, 'a1');
  INSERT INTO parts (id, maker_code, note) VALUES (1, 'a1', '12'), (2, NULL, '7');`;

describe.each(DRIVERS)('%s: alterColumn refuses what it cannot carry over', (kind) => {
  const fixture = resetTarget(kind, 'alter_refusals', TABLES);

  /** Refused at start, with a hint, the database unchanged. */
  async function rejectedAtStart(migration: Migration, message: RegExp): Promise<MidairError> {
    const error = await fixture.refused(migration, message);
    expect(error.hint).toBeTruthy();
    return error;
  }

  it('a foreign key of another table that references the column is named, at plan and at start', async () => {
    const migration = defineMigration({ name: 'code_not_null', operations: [op.alterColumn({ table: 'makers', column: 'code', type: 'varchar(8)', up: 'code::varchar(8)', down: 'code::text' })] });
    const message = /operation 1 \(alterColumn\): foreign key "parts_maker_code_fkey" of table "parts" references "makers"."code"/;
    await expect(fixture.midair.plan(migration)).rejects.toThrow(message);
    const error = await rejectedAtStart(migration, message);
    expect(error.hint).toMatch(/drop the foreign key/);
  });

  it('an exclusion constraint on the column is named', async () => {
    await fixture.target.db.exec('ALTER TABLE parts ADD CONSTRAINT parts_no_overlap EXCLUDE USING gist (during WITH &&)');
    await rejectedAtStart(
      defineMigration({ name: 'during_required', operations: [op.alterColumn({ table: 'parts', column: 'during', nullable: false, up: `coalesce(during, 'empty')` })] }),
      /operation 1 \(alterColumn\): exclusion constraint "parts_no_overlap" uses column "during"/,
    );
  });

  it('an identity column is refused', async () => {
    await rejectedAtStart(
      defineMigration({ name: 'serial_bigint', operations: [op.alterColumn({ table: 'parts', column: 'serial_no', type: 'bigint', up: 'serial_no::bigint', down: 'serial_no::integer' })] }),
      /operation 1 \(alterColumn\): column "serial_no" is an identity column/,
    );
  });

  it('an index whose expression does not work for the new type fails start before anything changes', async () => {
    await fixture.target.db.exec('CREATE INDEX parts_note_lower ON parts (lower(note))');
    const error = await rejectedAtStart(
      defineMigration({ name: 'note_integer', operations: [op.alterColumn({ table: 'parts', column: 'note', type: 'integer', up: 'note::integer', down: 'note::text' })] }),
      /operation 1 \(alterColumn\): index "parts_note_lower" cannot be carried over to "note" as integer: .*lower\(integer\) does not exist/,
    );
    expect(error.hint).toMatch(/drop the index/);
  });

  it('a default that does not convert to the new type is refused, and an explicit default is taken', async () => {
    await fixture.target.db.exec(`ALTER TABLE parts ALTER COLUMN note SET DEFAULT '0'::text`);
    const error = await rejectedAtStart(
      defineMigration({ name: 'note_integer', operations: [op.alterColumn({ table: 'parts', column: 'note', type: 'integer', up: 'note::integer', down: 'note::text' })] }),
      /operation 1 \(alterColumn\): the default of "note" \('0'::text\) cannot be converted to integer/,
    );
    expect(error.hint).toMatch(/give "default"/);
    await fixture.midair.start(defineMigration({ name: 'note_integer', operations: [op.alterColumn({ table: 'parts', column: 'note', type: 'integer', default: '0', up: 'note::integer', down: 'note::text' })] }));
    expect(await fixture.target.db.query(`SELECT column_default AS d FROM information_schema.columns WHERE table_name = 'parts' AND column_name = '_midair_new_note'`)).toEqual([{ d: '0' }]);
  });
});
