import { describe, expect, it } from 'vitest';
import { defineMigration, op, type Migration } from '../src/index.js';
import { resetTarget } from './support/resetTarget.js';
import { DRIVERS } from './support/targets.js';

const USERS = `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, age integer);
INSERT INTO users (name, age) VALUES ('ann', 30), ('bob', 40), ('cy', 50);`;

describe.each(DRIVERS)('%s: input checks', (kind) => {
  const fixture = resetTarget(kind, 'input_checks', USERS);

  /** plan and start both refuse with `message`; nothing changes. */
  const refused = (migration: Migration, message: RegExp) => fixture.refused(migration, message, { plan: true });

  it('a type with a second statement is refused, naming the field; no statement of it runs', async () => {
    await refused(
      defineMigration({ name: 'typed', operations: [op.addColumn({ table: 'users', column: { name: 'nick', type: 'text; CREATE TABLE x (i int)' } })] }),
      /operation 1, field "column\.type": .*not a type name/,
    );
    expect(await fixture.target.db.query(`SELECT to_regclass('public.x') AS x`)).toEqual([{ x: null }]);
  });

  it('a type with a volatile default is refused before it could rewrite the table', async () => {
    await refused(
      defineMigration({ name: 'typed', operations: [op.addColumn({ table: 'users', column: { name: 'token', type: 'uuid DEFAULT gen_random_uuid()' } })] }),
      /operation 1, field "column\.type": .*not a type name/,
    );
    await refused(
      defineMigration({ name: 'typed', operations: [op.alterColumn({ table: 'users', column: 'age', type: 'bigint UNIQUE', up: 'age', down: 'age' })] }),
      /operation 1, field "type": .*not a type name/,
    );
  });

  it('type names PostgreSQL knows pass; unknown ones are refused by the server check', async () => {
    const types = ['numeric(10,2)', 'character varying(20)[]', 'timestamp(3) with time zone', 'double precision', 'pg_catalog.int8', '"char"', 'interval day to second'];
    const plan = await fixture.midair.plan(defineMigration({ name: 'types', operations: types.map((type, i) => op.addColumn({ table: 'users', column: { name: `c${i}`, type } })) }));
    expect(plan.expand.filter((s) => s.sql.includes('ADD COLUMN')).map((s) => s.sql.replace(/^.*"c\d+" /, ''))).toEqual(types);
    await refused(
      defineMigration({ name: 'typed', operations: [op.addColumn({ table: 'users', column: { name: 'n', type: 'no_such_type' } })] }),
      /operation 1 \(addColumn\): column\.type: "no_such_type" is not a type of this database/,
    );
  });

  it('an expression cannot leave its parentheses: ; comments and unbalanced parentheses are refused naming the field', async () => {
    const cases: [Migration, RegExp][] = [
      [defineMigration({ name: 'e', operations: [op.addColumn({ table: 'users', column: { name: 'n', type: 'text' }, up: `upper(name)); DROP TABLE users; SELECT (1` })] }), /operation 1, field "up": .*";"/],
      [defineMigration({ name: 'e', operations: [op.addColumn({ table: 'users', column: { name: 'n', type: 'text', default: `'x' -- comment` } })] }), /operation 1, field "column\.default": .*comment/],
      [defineMigration({ name: 'e', operations: [op.addColumn({ table: 'users', column: { name: 'n', type: 'int', check: `n > 0) NOT VALID, ADD CONSTRAINT k CHECK (true` } })] }), /operation 1, field "column\.check": .*parenthes/],
      [defineMigration({ name: 'e', operations: [op.createIndex({ table: 'users', columns: ['age'], where: `age > 0 /* x */` })] }), /operation 1, field "where": .*comment/],
      [defineMigration({ name: 'e', operations: [op.dropColumn({ table: 'users', column: 'age', down: `$q$unterminated` })] }), /operation 1, field "down": .*unterminated/],
      [defineMigration({ name: 'e', operations: [op.alterColumn({ table: 'users', column: 'age', default: `1 $midair$` })] }), /operation 1, field "default": .*\$midair/],
    ];
    for (const [migration, message] of cases) await refused(migration, message);
  });

  it('a default, check or index predicate that does not parse or has the wrong type is refused naming the field', async () => {
    const cases: [Migration, RegExp][] = [
      [defineMigration({ name: 'e', operations: [op.addColumn({ table: 'users', column: { name: 'n', type: 'integer', default: `'abc'` } })] }), /operation 1 \(addColumn\): "column\.default" fails: invalid input syntax for type integer/],
      [defineMigration({ name: 'e', operations: [op.addColumn({ table: 'users', column: { name: 'n', type: 'text', default: 'DROP TABLE users' } })] }), /operation 1 \(addColumn\): "column\.default" fails: syntax error/],
      [defineMigration({ name: 'e', operations: [op.alterColumn({ table: 'users', column: 'age', check: 'nmae > 0' })] }), /operation 1 \(alterColumn\): "check" fails: column "nmae" does not exist/],
      [defineMigration({ name: 'e', operations: [op.createIndex({ table: 'users', columns: ['age'], where: 'age + 1' })] }), /operation 1 \(createIndex\): "where" fails: .*boolean/],
      [defineMigration({ name: 'e', operations: [op.addConstraint({ table: 'users', name: 'k', check: 'name' })] }), /operation 1 \(addConstraint\): "check" fails: .*boolean/],
    ];
    for (const [migration, message] of cases) await refused(migration, message);
  });

  it('strings, quoted identifiers and dollar quotes may hold any of those characters', async () => {
    const up = `name || ';' || '--' || E'/*\\'' || $t$ ) ; $t$ || "name"`;
    await fixture.midair.start(defineMigration({ name: 'ok', operations: [op.addColumn({ table: 'users', column: { name: 'n', type: 'text' }, up })] }));
    await fixture.midair.backfill();
    expect(await fixture.target.db.query(`SELECT n FROM users WHERE id = 1`)).toEqual([{ n: `ann;--/*' ) ; ann` }]);
  });

  it("an up of the wrong type for its column is refused at plan and start, naming the operation, field and row", async () => {
    const error = await refused(
      defineMigration({ name: 'wrong_type', operations: [op.addColumn({ table: 'users', column: { name: 'score', type: 'integer' }, up: `'abc'` })] }),
      /operation 1 \(addColumn\): "up" for "users"\."score" does not give a value of type integer: invalid input syntax/,
    );
    expect(error.hint).toMatch(/integer/);
    await refused(
      defineMigration({ name: 'wrong_type', operations: [op.alterColumn({ table: 'users', column: 'name', type: 'integer', up: `CASE WHEN id = 2 THEN 'x' ELSE '1' END`, down: 'name::text' })] }),
      /operation 1 \(alterColumn\): "up" for "users"\."name" does not give a value of type integer: column "name" is of type integer but expression is of type text/,
    );
    await refused(
      defineMigration({ name: 'wrong_type', operations: [op.alterColumn({ table: 'users', column: 'age', type: 'smallint', up: 'CASE WHEN id = 2 THEN 100000 ELSE age END', down: 'age' })] }),
      /operation 1 \(alterColumn\): "up" for "users"\."age" does not give a value of type smallint on the row with id=2: smallint out of range/,
    );
    await refused(
      defineMigration({ name: 'wrong_type', operations: [op.alterColumn({ table: 'users', column: 'age', type: 'integer', up: `CASE WHEN id = 3 THEN 'x' ELSE '1' END::integer`, down: 'age' })] }),
      /operation 1 \(alterColumn\): "up" for "users"\."age" fails on the row with id=3: invalid input syntax/,
    );
    await refused(
      defineMigration({ name: 'wrong_type', operations: [op.alterColumn({ table: 'users', column: 'age', type: 'text', up: 'age::text', down: 'now()' })] }),
      /operation 1 \(alterColumn\): "down" for "users"\."age" does not give a value of type integer/,
    );
  });
});
