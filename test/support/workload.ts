import pg from 'pg';

/** What a key must hold at the end, from the last acknowledged write to it; null once deleted. */
export interface Item {
  title: string;
  quantity: number;
}

/**
 * Every acknowledged write and the value it leaves. Writes to one key are serialized by a lock
 * here (different keys run in parallel on different connections), so the order in which writes
 * were acknowledged is the order in which they committed, and the expected final value is exact.
 */
export class Ledger {
  readonly items = new Map<number, Item | null>();
  private readonly tails = new Map<number, Promise<void>>();
  private nextId: number;

  constructor(seeded: Map<number, Item>) {
    for (const [id, item] of seeded) this.items.set(id, item);
    this.nextId = Math.max(0, ...seeded.keys()) + 1;
  }

  newId(): number {
    return this.nextId++;
  }

  keys(): number[] {
    return [...this.items.keys()];
  }

  /** Runs fn while no other writer touches `key`; fn sees the key's current expected value. */
  async withKey<T>(key: number, fn: (current: Item | null | undefined) => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn(this.items.get(key));
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** The expected final rows, ordered by key. */
  expected(): { id: number; title: string; quantity: number }[] {
    return [...this.items.entries()]
      .filter((e): e is [number, Item] => e[1] !== null)
      .sort((a, b) => a[0] - b[0])
      .map(([id, item]) => ({ id, ...item }));
  }
}

/** How a release writes an item: the old one knows label/qty (text), the new one title/quantity/title_length. */
export interface Dialect {
  insert(id: number, item: Item): { text: string; values: unknown[] };
  setTitle(id: number, title: string): { text: string; values: unknown[] };
  setQuantity(id: number, quantity: number): { text: string; values: unknown[] };
}

export const OLD_RELEASE: Dialect = {
  insert: (id, item) => ({ text: 'INSERT INTO items (id, label, qty) VALUES ($1, $2, $3)', values: [id, item.title, String(item.quantity)] }),
  setTitle: (id, title) => ({ text: 'UPDATE items SET label = $2 WHERE id = $1', values: [id, title] }),
  setQuantity: (id, quantity) => ({ text: 'UPDATE items SET qty = $2 WHERE id = $1', values: [id, String(quantity)] }),
};

export const NEW_RELEASE: Dialect = {
  insert: (id, item) => ({
    text: 'INSERT INTO items (id, title, quantity, title_length) VALUES ($1, $2, $3, length($2::text))',
    values: [id, item.title, item.quantity],
  }),
  setTitle: (id, title) => ({ text: 'UPDATE items SET title = $2, title_length = length($2::text) WHERE id = $1', values: [id, title] }),
  setQuantity: (id, quantity) => ({ text: 'UPDATE items SET quantity = $2 WHERE id = $1', values: [id, quantity] }),
};

/** One application connection writing in a loop until stopped; it records failures instead of throwing. */
export class Writer {
  acknowledged = 0;
  readonly failures: string[] = [];
  private stopped = false;
  private running: Promise<void> | null = null;

  constructor(
    readonly name: string,
    private readonly client: pg.Client,
    private readonly dialect: Dialect,
    private readonly ledger: Ledger,
  ) {}

  static async connect(name: string, url: string, dialect: Dialect, ledger: Ledger, searchPath?: string): Promise<Writer> {
    const client = new pg.Client({ connectionString: url, application_name: name });
    await client.connect();
    if (searchPath) await client.query(`SET search_path TO "${searchPath}"`);
    return new Writer(name, client, dialect, ledger);
  }

  start(): void {
    this.running = this.loop();
  }

  /** Resolves once this writer has had `n` more writes acknowledged. */
  async progress(n: number): Promise<void> {
    const target = this.acknowledged + n;
    while (this.acknowledged < target && this.failures.length === 0 && !this.stopped) await new Promise((r) => setTimeout(r, 5));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
    await this.client.end();
  }

  private async write(query: { text: string; values: unknown[] }, expectRows: number): Promise<void> {
    const result = await this.client.query(query);
    if (result.rowCount !== expectRows) throw new Error(`${query.text} affected ${result.rowCount} rows, expected ${expectRows}`);
  }

  /** One write; false when the key it picked had been deleted meanwhile. */
  private async step(): Promise<boolean> {
    const roll = Math.random();
    if (roll < 0.25) {
      const id = this.ledger.newId();
      const item = { title: `${this.name}-${id}`, quantity: Math.floor(Math.random() * 1000) };
      await this.ledger.withKey(id, async () => {
        await this.write(this.dialect.insert(id, item), 1);
        this.ledger.items.set(id, item);
      });
      return true;
    }
    const keys = this.ledger.keys();
    const id = keys[Math.floor(Math.random() * keys.length)]!;
    return this.ledger.withKey(id, async (current) => {
      if (!current) return false;
      if (roll < 0.9 && roll >= 0.575) {
        const title = `${this.name}-${id}-${this.acknowledged}`;
        await this.write(this.dialect.setTitle(id, title), 1);
        this.ledger.items.set(id, { ...current, title });
      } else if (roll < 0.575) {
        const quantity = Math.floor(Math.random() * 1000);
        await this.write(this.dialect.setQuantity(id, quantity), 1);
        this.ledger.items.set(id, { ...current, quantity });
      } else {
        await this.write({ text: 'DELETE FROM items WHERE id = $1', values: [id] }, 1);
        this.ledger.items.set(id, null);
      }
      return true;
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        if (await this.step()) this.acknowledged++;
      } catch (error) {
        this.failures.push(`${this.name}: ${(error as Error).message}`);
        return;
      }
    }
  }
}
