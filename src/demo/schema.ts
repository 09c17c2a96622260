import { formatCount } from '../cli/format/duration.js';
import type { Queryable } from '../db/executor.js';
import type { LiveView } from '../workload/liveView.js';
import type { LedgerTable } from '../workload/ledger.js';
import { FIRST_NAMES, LAST_NAMES } from './names.js';

/** The demo's tables in their final shape, for the ledger check. */
export const DEMO_TABLES: LedgerTable[] = [
  { name: 'users', key: [{ name: 'id', type: 'bigint' }] },
  { name: 'products', key: [{ name: 'id', type: 'bigint' }] },
];

export function productCount(users: number): number {
  return Math.max(10, Math.round(users / 10));
}

/** Users inserted per statement: small enough to report progress every second or so on the embedded database. */
const USER_BATCH = 5_000;

/**
 * The old shape, filled set-wise: every 97th user has a one-word name, every 20th no email (so the
 * NOT NULL change has work to do); emails are unique; prices are text with two decimals. `view`
 * hears each step as it begins and how many users there are so far.
 */
export async function createDemoSchema(db: Queryable, users: number, view: Pick<LiveView, 'note' | 'progress'>): Promise<void> {
  view.note('creating the tables users and products');
  await db.exec(`
    CREATE TABLE users (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      name text NOT NULL,
      email text,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE products (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      title text NOT NULL,
      price text NOT NULL
    )`);
  view.note(`creating ${formatCount(users)} users`);
  for (let from = 1; from <= users; from += USER_BATCH) {
    const to = Math.min(users, from + USER_BATCH - 1);
    await db.query(
      `INSERT INTO users (name, email)
       SELECT CASE WHEN g % 97 = 0 THEN f ELSE f || ' ' || l END,
              CASE WHEN g % 20 = 0 THEN NULL ELSE lower(f) || '.' || g || '@example.com' END
         FROM generate_series($1::int, $2::int) AS g,
              LATERAL (SELECT ($3::text[])[1 + (g * 7) % cardinality($3::text[])] AS f,
                              ($4::text[])[1 + (g * 13) % cardinality($4::text[])] AS l) AS n`,
      [from, to, FIRST_NAMES, LAST_NAMES],
    );
    view.progress(`${formatCount(to)}/${formatCount(users)} users`);
  }
  view.note(`creating ${formatCount(productCount(users))} products`);
  await db.query(
    `INSERT INTO products (title, price)
     SELECT 'Product ' || g, (((g * 37) % 9900 + 100) / 100.0)::numeric(10, 2)::text FROM generate_series(1, $1::int) AS g`,
    [productCount(users)],
  );
  await db.exec('ANALYZE users; ANALYZE products');
}
