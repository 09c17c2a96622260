import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readCanaryKeyFile } from '../src/lifecycle/canaryKeyFile.js';
import { MidairError, type Midair } from '../src/index.js';
import { tempDir } from './support/databases.js';
import { openTrafficDatabase, TEST_BOUNDS } from './support/trafficEvidence.js';

describe('canary key files', () => {
  const dir = tempDir('canary-keys');
  afterAll(() => dir.remove());
  const file = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };
  const errorOf = (path: string) => {
    try {
      readCanaryKeyFile(path);
    } catch (error) {
      expect(error).toBeInstanceOf(MidairError);
      return (error as Error).message;
    }
    throw new Error(`${path} parsed`);
  };

  it('reads one key per line with # comment lines, or a JSON array of strings and numbers', () => {
    expect(readCanaryKeyFile(file('lines.txt', '# staff accounts\n42\n\n  43  \r\nada@example.com\n42\n'))).toEqual(['42', '43', 'ada@example.com', '42']);
    expect(readCanaryKeyFile(file('keys.json', ' [\n  "a b",\n  7, "q\\"uote"\n]\n'))).toEqual(['a b', '7', 'q"uote']);
  });

  it('names the file and line of what does not parse', () => {
    const lines = file('bad.txt', '# ok\n42\nada lovelace\n');
    expect(errorOf(lines)).toBe(`${lines}:3: "ada lovelace" is not one key: a key has no whitespace inside`);
    const json = file('bad.json', '[\n  "a",\n  "b"\n  "c"\n]');
    expect(errorOf(json)).toBe(`${json}:4: the canary key file starts with '[' but is not a JSON array of keys: expected ',' or ']', found "\\"c\\""`);
    const object = file('object.json', '[\n 1,\n {"id": 2}\n]');
    expect(errorOf(object)).toMatch(new RegExp(`^${object.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: .*expected a key \\(a string or a number\\), found`));
    const open = file('open.json', '[1,\n2,\n');
    expect(errorOf(open)).toMatch(/open\.json:3: .*found the end of the file$/);
    const empty = file('empty.txt', '# nothing yet\n\n');
    expect(errorOf(empty)).toBe(`${empty}: the canary key file holds no keys`);
    expect(errorOf(join(dir.path, 'missing.txt'))).toMatch(/missing\.txt: cannot read the canary key file \(ENOENT\)/);
  });
});

describe('canary sets of a migration (real PostgreSQL)', () => {
  let fixture: Awaited<ReturnType<typeof openTrafficDatabase>>;
  let midair: Midair;

  beforeAll(async () => {
    fixture = await openTrafficDatabase('canary', TEST_BOUNDS);
  });
  afterAll(async () => {
    await fixture?.close();
  });
  beforeEach(async () => {
    ({ midair } = await fixture.reset());
  });

  it('adds, lists and removes keys per named set, notifying the routing channel on each change', async () => {
    const client = new pg.Client(fixture.url);
    await client.connect();
    const heard: string[] = [];
    client.on('notification', (n) => heard.push(n.payload ?? ''));
    await client.query('LISTEN midair_routing');
    try {
      expect(await midair.canaryAdd('price_cents', ['1', '2', '2', '3'])).toEqual({ migration: 'price_cents', set: 'canary', changed: 3, size: 3 });
      expect(await midair.canaryAdd('price_cents', ['3', '4'])).toMatchObject({ changed: 1, size: 4 });
      expect(await midair.canaryAdd('price_cents', ['ada'], { set: 'staff' })).toMatchObject({ set: 'staff', changed: 1, size: 1 });
      expect(await midair.canaryRemove('price_cents', ['1', '99'])).toMatchObject({ set: 'canary', changed: 1, size: 3 });
      expect(await midair.canaryList('price_cents')).toEqual({ migration: 'price_cents', sets: { canary: ['2', '3', '4'], staff: ['ada'] } });
      expect(await midair.canaryList('price_cents', { set: 'nobody' })).toEqual({ migration: 'price_cents', sets: { nobody: [] } });
      for (const deadline = Date.now() + 10_000; heard.length < 4 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toEqual(['price_cents', 'price_cents', 'price_cents', 'price_cents']);
      // Nothing changed: nobody is told.
      await midair.canaryRemove('price_cents', ['99']);
      const [{ n }] = await fixture.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM midair.audit_log WHERE action LIKE 'canary%'`) as [{ n: number }];
      expect(n).toBe(4);
    } finally {
      await client.end();
    }
    await expect(midair.canaryAdd('price_cents', [])).rejects.toThrow('canary add for migration "price_cents" got no keys');
    await expect(midair.canaryAdd('price_cents', ['1', ''])).rejects.toThrow('canary key 2 for migration "price_cents" is empty');
    await expect(midair.canaryAdd('no_such', ['1'])).rejects.toThrow('migration "no_such" is not active in schema "public"');
  });
});
