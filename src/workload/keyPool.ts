/**
 * The keys of one table that clients may use, with the ones a client is working on set aside: one
 * client at a time per row makes the order of acknowledged writes the order of commits, so the
 * last acknowledged write of a row is the one its final value must show.
 */
export class KeyPool {
  private readonly keys: string[] = [];
  private readonly position = new Map<string, number>();
  private readonly busy = new Set<string>();

  constructor(keys: Iterable<string> = []) {
    for (const key of keys) this.add(key);
  }

  get size(): number {
    return this.keys.length;
  }

  add(key: string): void {
    if (this.position.has(key)) return;
    this.position.set(key, this.keys.length);
    this.keys.push(key);
  }

  /** Removes a key for good (its row was deleted); swap-remove keeps it O(1). */
  remove(key: string): void {
    const at = this.position.get(key);
    if (at === undefined) return;
    const last = this.keys.pop()!;
    if (last !== key) {
      this.keys[at] = last;
      this.position.set(last, at);
    }
    this.position.delete(key);
  }

  /** A random key that no other client holds, held until `release`; null when none is found quickly. */
  take(): string | null {
    for (let attempt = 0; attempt < 8 && this.keys.length > 0; attempt++) {
      const key = this.keys[Math.floor(Math.random() * this.keys.length)]!;
      if (this.busy.has(key)) continue;
      this.busy.add(key);
      return key;
    }
    return null;
  }

  /** Holds a given key if it is in the pool and free. */
  hold(key: string): boolean {
    if (!this.position.has(key) || this.busy.has(key)) return false;
    this.busy.add(key);
    return true;
  }

  /** Any key, busy or not: for reading a row's values, which needs no hold on it. */
  sample(): string | null {
    return this.keys.length ? this.keys[Math.floor(Math.random() * this.keys.length)]! : null;
  }

  release(key: string): void {
    this.busy.delete(key);
  }

  /** Runs fn with a held key (null when none is free), releasing it whatever happens. */
  async with<T>(fn: (key: string | null) => Promise<T>): Promise<T> {
    const key = this.take();
    try {
      return await fn(key);
    } finally {
      if (key !== null) this.release(key);
    }
  }
}
