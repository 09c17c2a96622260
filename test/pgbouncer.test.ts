import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMidair, defineMigration, op } from '../src/index.js';
import { freshDatabase } from './support/databases.js';
import { startPgBouncer, type PgBouncer } from './support/pgbouncer.js';

const SPLIT_NAME = defineMigration({
  name: 'split_name',
  operations: [
    op.addColumn({ table: 'users', column: { name: 'first_name', type: 'text' }, up: "split_part(name, ' ', 1)" }),
    op.addColumn({ table: 'users', column: { name: 'last_name', type: 'text' }, up: "nullif(substr(name, length(split_part(name, ' ', 1)) + 2), '')" }),
    op.dropColumn({ table: 'users', column: 'name', down: "concat_ws(' ', first_name, last_name)" }),
  ],
});

const ROWS = 200;
const CLIENTS = 20;
const TRANSACTIONS_PER_CLIENT = 25;

/** What a row must hold after its last write, in the base table, with its marker. */
interface Expected {
  name: string;
  first_name: string;
  last_name: string | null;
  _midair_source: 'o' | 'n';
}
/** What one transaction found on the server connection the pooler gave it, before it set anything. */
interface Seen {
  backend: number;
  searchPath: string;
}
/**
 * How a transaction picks its shape. `local` is what the Midair client does behind a transaction
 * pooler (the setting ends with the transaction); `session` is the deliberately wrong variant.
 */
interface ShapeSetting {
  searchPath: string;
  scope: 'local' | 'session';
}
type Pick = ShapeSetting | 'nothing';

/** One application transaction: look at the connection, pick the shape, run the statements, commit. */
async function transaction<T>(client: pg.Client, pick: Pick, statements: (c: pg.Client) => Promise<T>): Promise<{ seen: Seen; result: T }> {
  await client.query('BEGIN');
  try {
    const { rows } = await client.query<{ backend: number; search_path: string }>(`SELECT pg_backend_pid() AS backend, current_setting('search_path') AS search_path`);
    if (pick !== 'nothing') await client.query(`SET ${pick.scope === 'local' ? 'LOCAL ' : ''}search_path TO ${pick.searchPath}`);
    const result = await statements(client);
    await client.query('COMMIT');
    return { seen: { backend: rows[0]!.backend, searchPath: rows[0]!.search_path }, result };
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

function fromOld(name: string): Expected {
  const [first, ...rest] = name.split(' ');
  return { name, first_name: first!, last_name: rest.length ? rest.join(' ') : null, _midair_source: 'o' };
}

function fromNew(first: string, last: string | null): Expected {
  return { name: [first, last].filter((part) => part !== null).join(' '), first_name: first, last_name: last, _midair_source: 'n' };
}

describe('writes behind PgBouncer in transaction pooling mode', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let direct: pg.Client;
  /** Two server connections for twenty clients; and one each for the two leak checks, so they share nothing. */
  let shared: PgBouncer;
  let single: PgBouncer;
  let singleForControl: PgBouncer;
  const clients: pg.Client[] = [];
  let oldShape: ShapeSetting;
  let newShape: ShapeSetting;
  let defaultSearchPath: string;
  let versionSchema: string;

  async function through(bouncer: PgBouncer): Promise<pg.Client> {
    const client = new pg.Client(bouncer.url);
    await client.connect();
    clients.push(client);
    return client;
  }

  async function baseRow(id: number): Promise<Expected> {
    const { rows } = await direct.query<Expected>('SELECT name, first_name, last_name, _midair_source FROM public.users WHERE id = $1', [id]);
    return rows[0]!;
  }

  /**
   * A new-release transaction picks the new shape (with `scope`), then an old-release one that sets
   * nothing runs its ordinary write; with a pool of one server connection both get the same one.
   */
  async function newThenOld(pooler: PgBouncer, scope: 'local' | 'session', ids: [number, number]) {
    const [newRelease, oldRelease] = [await through(pooler), await through(pooler)];
    const first = await transaction(newRelease, { ...newShape, scope }, (c) => c.query(`UPDATE users SET first_name = 'Ada', last_name = 'Lovelace' WHERE id = $1`, [ids[0]]));
    // The write's error is kept, not thrown: seeing it is the point of the negative control.
    const second = await transaction(oldRelease, 'nothing', (c) =>
      c.query(`UPDATE users SET name = 'Alan Turing' WHERE id = $1`, [ids[1]]).then(
        () => 'written' as const,
        (error: Error) => error,
      ),
    );
    return { first: first.seen, second: second.seen, write: second.result };
  }

  beforeAll(async () => {
    database = await freshDatabase('pgbouncer');
    direct = new pg.Client(database.url);
    await direct.connect();
    await direct.query('CREATE TABLE users (id int PRIMARY KEY, name text NOT NULL)');
    await direct.query(`INSERT INTO users SELECT i, 'First' || i || ' Last' || i FROM generate_series(1, ${ROWS}) i`);
    const midair = await createMidair({ database: database.url });
    try {
      versionSchema = (await midair.start(SPLIT_NAME)).versionSchema;
      oldShape = { searchPath: 'public', scope: 'local' };
      newShape = { searchPath: `${direct.escapeIdentifier(versionSchema)}, public`, scope: 'local' };
    } finally {
      await midair.close();
    }
    defaultSearchPath = (await direct.query<{ search_path: string }>('SHOW search_path')).rows[0]!.search_path;
    shared = await startPgBouncer(database.name, { poolSize: 2 });
    single = await startPgBouncer(database.name, { poolSize: 1 });
    singleForControl = await startPgBouncer(database.name, { poolSize: 1 });
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end()));
    await Promise.all([shared, single, singleForControl].filter(Boolean).map((pooler) => pooler.stop()));
    await direct?.end();
    await database?.drop();
  });

  it('attributes concurrent writes through both shapes, sharing two server connections, to the right side', async () => {
    const pool = await Promise.all(Array.from({ length: CLIENTS }, () => through(shared)));
    const expected = new Map<number, Expected>();
    const seen: Seen[] = [];

    await Promise.all(
      pool.map(async (client, index) => {
        const owned = Array.from({ length: ROWS / CLIENTS }, (_, i) => index + 1 + i * CLIENTS);
        for (let n = 0; n < TRANSACTIONS_PER_CLIENT; n++) {
          const id = owned[n % owned.length]!;
          // Shapes alternate per client and differ between neighbours, so a server connection keeps switching.
          if ((n + index) % 2 === 0) {
            const [first, last] = [`Nf${id}x${n}`, n % 5 === 0 ? null : `Nl${id}x${n}`];
            const done = await transaction(client, newShape, (c) => c.query('UPDATE users SET first_name = $2, last_name = $3 WHERE id = $1', [id, first, last]));
            seen.push(done.seen);
            expected.set(id, fromNew(first, last));
          } else {
            // Some old names are one word: the new shape's last_name must then derive to NULL.
            const name = n % 3 === 0 ? `Mono${id}x${n}` : `Of${id}x${n} Ol${id}x${n}`;
            const done = await transaction(client, oldShape, (c) => c.query('UPDATE users SET name = $2 WHERE id = $1', [id, name]));
            seen.push(done.seen);
            expected.set(id, fromOld(name));
          }
        }
      }),
    );

    expect(seen).toHaveLength(CLIENTS * TRANSACTIONS_PER_CLIENT);
    // Twenty clients on two server connections: the pooler really passed connections between shapes.
    expect(new Set(seen.map((s) => s.backend)).size).toBeLessThanOrEqual(2);
    expect(seen.filter((s) => s.searchPath !== defaultSearchPath)).toEqual([]);
    const { rows } = await direct.query<Expected & { id: number }>('SELECT id, name, first_name, last_name, _midair_source FROM public.users ORDER BY id');
    expect(rows.length).toBe(ROWS);
    expect(expected.size).toBe(ROWS);
    expect(new Set(rows.map((row) => row._midair_source))).toEqual(new Set(['o', 'n']));
    expect(rows).toEqual(rows.map((row) => ({ id: row.id, ...expected.get(row.id) })));
    // Read back through the pooler, the new shape shows the same values.
    const throughNew = await transaction(pool[0]!, newShape, (c) => c.query('SELECT id, first_name, last_name FROM users ORDER BY id'));
    expect(throughNew.result.rows).toEqual(rows.map(({ id, first_name, last_name }) => ({ id, first_name, last_name })));
  });

  it('leaves no search_path behind: the next transaction on the same server connection sees the default', async () => {
    const { first, second, write } = await newThenOld(single, 'local', [1, 2]);
    expect(second.backend).toBe(first.backend);
    expect(second.searchPath).toBe(defaultSearchPath);
    expect(write).toBe('written');
    expect(await baseRow(1)).toEqual(fromNew('Ada', 'Lovelace'));
    expect(await baseRow(2)).toEqual(fromOld('Alan Turing'));
  });

  it('negative control: a session-level SET (no LOCAL) leaks into the next transaction, which then runs in the wrong shape', async () => {
    const untouched = await baseRow(4);
    const { first, second, write } = await newThenOld(singleForControl, 'session', [3, 4]);
    expect(second.backend).toBe(first.backend);
    // The checks of the test above fail here: the old release finds the new shape's search_path...
    expect(second.searchPath).not.toBe(defaultSearchPath);
    expect(second.searchPath).toBe(`${versionSchema}, public`);
    // ...and its ordinary write lands on the new shape's view, which has no "name" column.
    expect(write).toBeInstanceOf(Error);
    expect((write as Error).message).toMatch(/column "name" .*does not exist/);
    expect(await baseRow(4)).toEqual(untouched);
  });
});
