import type { KeyPool } from '../workload/keyPool.js';
import type { Ledger } from '../workload/ledger.js';
import type { RecordRouter, RequestTrace, Workload } from '../workload/types.js';
import { placeholderEmail } from './migration.js';
import { randomPerson, type Person } from './names.js';
import { demoKey, type DemoRequest, type DemoWritten } from './requests.js';

type Router = RecordRouter<DemoRequest>;

/**
 * The demo's application: point reads of users and products (55 %), renames, email changes, price
 * changes, sign-ups, new products and account deletions (45 %), each one request through the Midair
 * client, which picks the shape that serves it. Each acknowledged write is recorded in the ledger
 * with the values it must leave in the final tables (computed here the way the migration's `up`
 * maps old fields to new ones) and the shape that wrote it. One request at a time per record (the
 * key pools), so the compares of a read never race a write of the same record.
 */
export class DemoApp implements Workload<DemoRequest> {
  private written = 0;

  constructor(
    private readonly users: KeyPool,
    private readonly products: KeyPool,
    private readonly ledger: Ledger,
  ) {}

  async request(router: Router, trace: RequestTrace): Promise<void> {
    const r = Math.random();
    if (r < 0.35) return this.read(router, trace, this.users, (id) => ({ table: 'users', op: 'read', id }));
    if (r < 0.55) return this.read(router, trace, this.products, (id) => ({ table: 'products', op: 'read', id }));
    if (r < 0.65) return this.rename(router, trace);
    if (r < 0.73) return this.changeEmail(router, trace);
    if (r < 0.83) return this.changePrice(router, trace);
    if (r < 0.92) return this.signUp(router, trace);
    if (r < 0.95) return this.addProduct(router, trace);
    return this.deleteUser(router, trace);
  }

  /** A user's read, for the kill switch's measurement: any user will do, nothing is sent. */
  sampleRecord(): { key: string; input: DemoRequest } | null {
    const id = this.users.sample();
    if (id === null) return null;
    const input: DemoRequest = { table: 'users', op: 'read', id };
    return { key: demoKey(input), input };
  }

  /** A unique address, so no write trips over the new unique constraint. */
  private email(): string {
    return `w${++this.written}@example.org`;
  }

  private cents(): number {
    return 100 + Math.floor(Math.random() * 99_900);
  }

  /** Sends a write; the shape the client routes it to is known before it can fail, the one that wrote it after. */
  private async write(router: Router, trace: RequestTrace, input: DemoRequest): Promise<DemoWritten> {
    trace.side = router.route(input);
    const written = (await router.write(input)) as DemoWritten;
    trace.side = written.side;
    return written;
  }

  private async read(router: Router, trace: RequestTrace, pool: KeyPool, input: (id: string) => DemoRequest): Promise<void> {
    await pool.with(async (id) => {
      if (id === null) return;
      const request = input(id);
      trace.side = router.route(request);
      await router.read(request);
    });
  }

  /** A write of an existing record; a failure leaves the row's final state unknown. */
  private async update(router: Router, trace: RequestTrace, input: DemoRequest & { id: string }, fields: Record<string, string | null>): Promise<void> {
    try {
      await this.write(router, trace, input);
    } catch (error) {
      this.ledger.forget(input.table, [input.id]);
      throw error;
    }
    this.ledger.write(input.table, [input.id], fields, trace.side!);
  }

  private async rename(router: Router, trace: RequestTrace): Promise<void> {
    await this.users.with(async (id) => {
      if (id === null) return;
      const person = randomPerson();
      await this.update(router, trace, { table: 'users', op: 'rename', id, person }, names(person));
    });
  }

  private async changeEmail(router: Router, trace: RequestTrace): Promise<void> {
    await this.users.with(async (id) => {
      if (id === null) return;
      // Some requests clear the email: the new shape then holds the placeholder `up` computes.
      const email = Math.random() < 0.1 ? null : this.email();
      await this.update(router, trace, { table: 'users', op: 'email', id, email }, { email: email ?? placeholderEmail(id) });
    });
  }

  private async changePrice(router: Router, trace: RequestTrace): Promise<void> {
    await this.products.with(async (id) => {
      if (id === null) return;
      const cents = this.cents();
      await this.update(router, trace, { table: 'products', op: 'price', id, cents }, { price_cents: String(cents) });
    });
  }

  private async signUp(router: Router, trace: RequestTrace): Promise<void> {
    const person = randomPerson();
    const email = Math.random() < 0.1 ? null : this.email();
    const { id } = await this.write(router, trace, { table: 'users', op: 'signUp', token: `u${++this.written}`, person, email });
    this.ledger.write('users', [id], { ...names(person), email: email ?? placeholderEmail(id) }, trace.side!);
    this.users.add(id);
  }

  private async addProduct(router: Router, trace: RequestTrace): Promise<void> {
    const cents = this.cents();
    const title = `Product ${Math.random().toString(36).slice(2, 8)}`;
    const { id } = await this.write(router, trace, { table: 'products', op: 'add', token: `p${++this.written}`, title, cents });
    this.ledger.write('products', [id], { price_cents: String(cents) }, trace.side!);
    this.products.add(id);
  }

  private async deleteUser(router: Router, trace: RequestTrace): Promise<void> {
    if (this.users.size < 10) return;
    await this.users.with(async (id) => {
      if (id === null) return;
      try {
        await this.write(router, trace, { table: 'users', op: 'delete', id });
      } catch (error) {
        this.ledger.forget('users', [id]);
        throw error;
      }
      this.ledger.delete('users', [id], trace.side!);
      this.users.remove(id);
    });
  }
}

/** The new shape's name fields for a person, as `up` splits the old shape's `name`. */
function names(p: Person): Record<string, string | null> {
  return { first_name: p.first, last_name: p.last };
}
