import type { KeyPool } from '../workload/keyPool.js';
import type { Ledger } from '../workload/ledger.js';
import type { Release, Session, Workload } from '../workload/types.js';
import { placeholderEmail } from './migration.js';
import { fullName, randomPerson, type Person } from './names.js';

type Row = Record<string, string | null>;

/**
 * The demo's application, in two releases. The old one knows users(name, email) and
 * products(price as text); the new one users(first_name, last_name, email NOT NULL) and
 * products(price_cents). Each write is recorded in the ledger with the values it must leave in the
 * final tables, computed here the way the migration's `up` maps old fields to new ones.
 */
export class DemoApp implements Workload {
  private written = 0;

  constructor(
    private readonly users: KeyPool,
    private readonly products: KeyPool,
    private readonly ledger: Ledger,
  ) {}

  async request(release: Release, s: Session): Promise<void> {
    const r = Math.random();
    if (r < 0.35) return this.readUser(release, s);
    if (r < 0.55) return this.readProduct(release, s);
    if (r < 0.65) return this.rename(release, s);
    if (r < 0.73) return this.changeEmail(release, s);
    if (r < 0.83) return this.changePrice(release, s);
    if (r < 0.92) return this.signUp(release, s);
    if (r < 0.95) return this.addProduct(release, s);
    return this.deleteUser(release, s);
  }

  /** A unique address, so no write trips over the new unique constraint. */
  private email(): string {
    return `w${++this.written}@example.org`;
  }

  private cents(): number {
    return 100 + Math.floor(Math.random() * 99_900);
  }

  private async readUser(release: Release, s: Session): Promise<void> {
    await this.users.with(async (id) => {
      if (id === null) return;
      const sql = release === 'old' ? 'SELECT id, name, email FROM users WHERE id = $1' : 'SELECT id, first_name, last_name, email FROM users WHERE id = $1';
      const [row] = await s.query<Row>(sql, [id]);
      if (!row) throw new Error(`user ${id} was not found`);
      // What a user of the new release would notice: a name or an email missing in the new shape.
      if (release === 'new' && (row.first_name === null || row.email === null)) throw new Error(`user ${id} has no first_name or email in the new shape`);
    });
  }

  private async readProduct(release: Release, s: Session): Promise<void> {
    await this.products.with(async (id) => {
      if (id === null) return;
      const [row] = await s.query<Row>(release === 'old' ? 'SELECT id, title, price FROM products WHERE id = $1' : 'SELECT id, title, price_cents FROM products WHERE id = $1', [id]);
      if (!row) throw new Error(`product ${id} was not found`);
      if (release === 'new' && row.price_cents === null) throw new Error(`product ${id} has no price_cents in the new shape`);
    });
  }

  /** An UPDATE ... RETURNING that must find its row; a failure leaves the row's final state unknown. */
  private async update(table: string, id: string, sql: string, params: unknown[], s: Session): Promise<void> {
    try {
      const rows = await s.query(sql, [id, ...params]);
      if (rows.length !== 1) throw new Error(`${table} ${id} was not found`);
    } catch (error) {
      this.ledger.forget(table, [id]);
      throw error;
    }
  }

  private async rename(release: Release, s: Session): Promise<void> {
    await this.users.with(async (id) => {
      if (id === null) return;
      const p = randomPerson();
      if (release === 'old') await this.update('users', id, 'UPDATE users SET name = $2 WHERE id = $1 RETURNING id', [fullName(p)], s);
      else await this.update('users', id, 'UPDATE users SET first_name = $2, last_name = $3 WHERE id = $1 RETURNING id', [p.first, p.last], s);
      this.ledger.write('users', [id], names(p), release);
    });
  }

  private async changeEmail(release: Release, s: Session): Promise<void> {
    await this.users.with(async (id) => {
      if (id === null) return;
      // The old release may clear the email; the new shape then holds the placeholder `up` computes.
      const email = release === 'old' && Math.random() < 0.1 ? null : this.email();
      await this.update('users', id, 'UPDATE users SET email = $2 WHERE id = $1 RETURNING id', [email], s);
      this.ledger.write('users', [id], { email: email ?? placeholderEmail(id) }, release);
    });
  }

  private async changePrice(release: Release, s: Session): Promise<void> {
    await this.products.with(async (id) => {
      if (id === null) return;
      const cents = this.cents();
      if (release === 'old') await this.update('products', id, 'UPDATE products SET price = $2 WHERE id = $1 RETURNING id', [(cents / 100).toFixed(2)], s);
      else await this.update('products', id, 'UPDATE products SET price_cents = $2 WHERE id = $1 RETURNING id', [cents], s);
      this.ledger.write('products', [id], { price_cents: String(cents) }, release);
    });
  }

  private async signUp(release: Release, s: Session): Promise<void> {
    const p = randomPerson();
    const email = release === 'old' && Math.random() < 0.1 ? null : this.email();
    const [row] =
      release === 'old'
        ? await s.query<{ id: string }>('INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id::text AS id', [fullName(p), email])
        : await s.query<{ id: string }>('INSERT INTO users (first_name, last_name, email) VALUES ($1, $2, $3) RETURNING id::text AS id', [p.first, p.last, email]);
    const id = row!.id;
    this.ledger.write('users', [id], { ...names(p), email: email ?? placeholderEmail(id) }, release);
    this.users.add(id);
  }

  private async addProduct(release: Release, s: Session): Promise<void> {
    const cents = this.cents();
    const title = `Product ${Math.random().toString(36).slice(2, 8)}`;
    const [row] =
      release === 'old'
        ? await s.query<{ id: string }>('INSERT INTO products (title, price) VALUES ($1, $2) RETURNING id::text AS id', [title, (cents / 100).toFixed(2)])
        : await s.query<{ id: string }>('INSERT INTO products (title, price_cents) VALUES ($1, $2) RETURNING id::text AS id', [title, cents]);
    this.ledger.write('products', [row!.id], { price_cents: String(cents) }, release);
    this.products.add(row!.id);
  }

  private async deleteUser(release: Release, s: Session): Promise<void> {
    if (this.users.size < 10) return;
    await this.users.with(async (id) => {
      if (id === null) return;
      await this.update('users', id, 'DELETE FROM users WHERE id = $1 RETURNING id', [], s);
      this.ledger.delete('users', [id], release);
      this.users.remove(id);
    });
  }
}

/** The new shape's name fields for a person, as `up` splits the old release's `name`. */
function names(p: Person): Record<string, string | null> {
  return { first_name: p.first, last_name: p.last };
}
