import { describe, expect, it } from 'vitest';
import { defineMigration, op } from '../src/index.js';
import { resetTarget } from './support/resetTarget.js';
import { DRIVERS } from './support/targets.js';

const USERS = `CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL, email text);
INSERT INTO users (name, email) SELECT 'user' || g, CASE WHEN g % 2 = 0 THEN g || '@x.io' END FROM generate_series(1, 50) g;`;

const MIGRATION = defineMigration({
  name: 'volatile',
  operations: [
    op.addColumn({ table: 'users', column: { name: 'token', type: 'uuid' }, up: 'gen_random_uuid()' }),
    op.addColumn({ table: 'users', column: { name: 'mail_seen', type: 'timestamptz' }, up: 'CASE WHEN email IS NOT NULL THEN now() END' }),
    op.addColumn({ table: 'users', column: { name: 'stamp', type: 'date' }, up: 'CURRENT_DATE' }),
    op.alterColumn({ table: 'users', column: 'name', up: 'upper(name)', down: 'lower(name)' }),
  ],
});

describe.each(DRIVERS)('%s: volatile expressions', (kind) => {
  const fixture = resetTarget(kind, 'volatile', USERS);

  /** Writes a stored value with the sync trigger off, as a bug or a hand edit would. */
  async function tamper(sql: string): Promise<void> {
    await fixture.target.db.transaction(async (tx) => {
      await tx.exec(`SET LOCAL session_replication_role = replica; ${sql}`);
    });
  }

  it('plan and start say which expressions are volatile, as the server reports them', async () => {
    const plan = await fixture.midair.plan(MIGRATION);
    const volatile = plan.warnings.filter((w) => w.includes('is volatile'));
    expect(volatile).toEqual([
      expect.stringMatching(/^operation 1 \(addColumn\): "up" for "users"\."token" is volatile \(gen_random_uuid\(\)\): verify cannot recompute/),
      expect.stringMatching(/^operation 2 \(addColumn\): "up" for "users"\."mail_seen" is volatile \(now\(\)\)/),
      expect.stringMatching(/^operation 3 \(addColumn\): "up" for "users"\."stamp" is volatile \(CURRENT_DATE\)/),
    ]);
    const started = await fixture.midair.start(MIGRATION);
    expect(started.warnings.filter((w) => w.includes('is volatile'))).toEqual(volatile);
  });

  it('verify checks what it can for volatile columns, says what it cannot, and names the user\'s columns', async () => {
    await fixture.midair.start(MIGRATION);
    const old = await fixture.target.old();
    await old.query(`INSERT INTO users (name, email) VALUES ('late', 'late@x.io')`);
    await fixture.midair.backfill();
    const clean = await fixture.midair.verify();
    expect(clean).toMatchObject({ rowsChecked: 51, mismatches: 0, unsynced: 0, samples: [] });
    expect(clean.unchecked).toEqual([
      expect.stringMatching(/^"users"\."token": "up" is volatile \(gen_random_uuid\(\)\)/),
      expect.stringMatching(/^"users"\."mail_seen": "up" is volatile \(now\(\)\)/),
      expect.stringMatching(/^"users"\."stamp": "up" is volatile \(CURRENT_DATE\)/),
    ]);

    await tamper(`UPDATE users SET token = NULL WHERE id = 3; UPDATE users SET mail_seen = NULL WHERE id IN (4, 5); UPDATE users SET _midair_new_name = 'zzz' WHERE id = 6`);
    const result = await fixture.midair.verify();
    // Row 5 has no email, so no mail_seen is due there.
    expect(result.mismatches).toBe(3);
    expect(result.samples).toEqual([
      { table: 'users', key: 'id=3', column: 'token', direction: 'up', actual: null, expected: null, volatile: ['gen_random_uuid()'] },
      { table: 'users', key: 'id=4', column: 'mail_seen', direction: 'up', actual: null, expected: null, volatile: ['now()'] },
      { table: 'users', key: 'id=6', column: 'name', direction: 'up', actual: 'zzz', expected: 'USER6' },
    ]);
  });
});
